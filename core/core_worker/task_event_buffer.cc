#include "core/core_worker/task_event_buffer.h"

#include "core/common/logging.h"

namespace photon {
namespace core {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TaskEventBuffer::TaskEventBuffer(gcs::GcsClient& gcs, std::chrono::milliseconds period, size_t max_buffered)
    : gcs_(gcs), period_(period), max_buffered_(max_buffered) {}

TaskEventBuffer::~TaskEventBuffer() { Stop(); }

void TaskEventBuffer::Start() { thread_ = std::thread([this] { Run(); }); }

void TaskEventBuffer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TaskEventBuffer::RecordAttempt(const rpc::TaskSpec& spec, rpc::TaskState state, const NodeID& node,
                                    const WorkerID& worker, const std::string& function, const std::string& error) {
  absl::StatusOr<TaskID> id = TaskID::FromBinary(spec.task_id());
  if (id.ok()) Record(*id, spec.attempt(), state, node, worker, function, error);
}

void TaskEventBuffer::Record(const TaskID& task, int attempt, rpc::TaskState state, const NodeID& node,
                             const WorkerID& worker, const std::string& function, const std::string& error) {
  const int64_t now = NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(std::make_pair(task, attempt));
  if (it == pending_.end()) {
    if (pending_.size() >= max_buffered_) {
      if (dropped_++ % 10000 == 0) {
        PHOTON_LOG(WARNING) << "task events: " << pending_.size() << " attempts waiting for the GCS; dropping new ones";
      }
      return;
    }
    it = pending_.emplace(std::make_pair(task, attempt), Attempt()).first;
  }
  Attempt& a = it->second;
  const int s = static_cast<int>(state);
  if (s <= 0 || s >= static_cast<int>(a.times_ms.size())) return;
  a.times_ms[s] = now;
  if (s > a.latest) a.latest = s;
  if (!node.IsNil()) a.node = node;
  if (!worker.IsNil()) a.worker = worker;
  if (!function.empty()) a.function = function;
  if (!error.empty()) a.error = error;
}

rpc::AddTaskEventsRequest TaskEventBuffer::ToRequest(absl::flat_hash_map<std::pair<TaskID, int>, Attempt>& pending) {
  rpc::AddTaskEventsRequest request;
  request.mutable_events()->Reserve(static_cast<int>(pending.size()));
  for (auto& [key, a] : pending) {
    rpc::TaskEvent& e = *request.add_events();
    e.set_task_id(key.first.Binary());
    e.set_attempt(key.second);
    e.set_state(static_cast<rpc::TaskState>(a.latest));
    e.set_timestamp_ms(a.times_ms[a.latest]);
    // The earlier states of this attempt, when more than one was reached.
    bool several = false;
    for (int s = 1; s < a.latest; s++) several = several || a.times_ms[s] != 0;
    if (several) {
      e.mutable_times_by_state_ms()->Reserve(a.latest);
      for (int s = 0; s < a.latest; s++) e.add_times_by_state_ms(a.times_ms[s]);
    }
    if (!a.node.IsNil()) e.set_node_id(a.node.Binary());
    if (!a.worker.IsNil()) e.set_worker_id(a.worker.Binary());
    if (!a.function.empty()) e.set_function_name(std::move(a.function));
    if (!a.error.empty()) e.set_error_message(std::move(a.error));
  }
  return request;
}

void TaskEventBuffer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait_for(lock, period_, [this] { return stopping_; });
    const bool last = stopping_;
    absl::flat_hash_map<std::pair<TaskID, int>, Attempt> batch;
    batch.swap(pending_);
    lock.unlock();
    if (!batch.empty()) {
      const rpc::AddTaskEventsRequest request = ToRequest(batch);
      absl::Status s = gcs_.AddTaskEvents(request);
      if (!s.ok()) PHOTON_LOG(WARNING) << "could not send " << request.events_size() << " task events to the GCS: " << s;
      lock.lock();
      if (!s.ok()) dropped_ += request.events_size();
    } else {
      lock.lock();
    }
    if (last) return;
  }
}



}  // namespace core
}  // namespace photon
