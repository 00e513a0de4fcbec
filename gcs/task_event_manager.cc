#include "gcs/task_event_manager.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace photon {
namespace gcs {

absl::Status TaskEventManager::Add(const google::protobuf::RepeatedPtrField<rpc::TaskEvent>& events) {
  absl::Status first_error;
  for (int i = 0; i < events.size(); i++) {
    const rpc::TaskEvent& event = events[i];
    absl::StatusOr<TaskID> task = TaskID::FromBinary(event.task_id());
    absl::Status bad;
    if (!task.ok()) {
      bad = task.status();
    } else if (event.state() == rpc::TASK_STATE_UNSPECIFIED || !rpc::TaskState_IsValid(event.state())) {
      bad = absl::InvalidArgumentError("no task state");
    } else if (event.attempt() < 0) {
      bad = absl::InvalidArgumentError("negative attempt");
    }
    if (!bad.ok()) {
      if (first_error.ok()) {
        first_error = absl::InvalidArgumentError(absl::StrCat("task event ", i, " of ", events.size(), ": ", bad.message()));
      }
      continue;
    }
    Apply(*task, event);
  }
  return first_error;
}

void TaskEventManager::Reached(Summary& summary, int state, int64_t when) {
  summary.times_ms[state] = when;
  // Events of one attempt can arrive out of order (different batches):
  // the latest state is the furthest one along.
  if (state >= summary.state) summary.state = static_cast<rpc::TaskState>(state);
}

void TaskEventManager::Apply(const TaskID& task, const rpc::TaskEvent& event) {
  Key key{task, event.attempt()};
  auto it = index_.find(key);
  if (it == index_.end()) {
    order_.push_front(Summary{key});
    it = index_.emplace(key, order_.begin()).first;
    while (order_.size() > options_.max_tasks) {
      index_.erase(order_.back().key);
      order_.pop_back();
      dropped_++;
    }
  }
  Summary& summary = *it->second;
  Reached(summary, event.state(), event.timestamp_ms());
  const int reported = std::min<int>(event.times_by_state_ms_size(), rpc::TaskState_ARRAYSIZE);
  for (int state = 1; state < reported; state++) {
    if (event.times_by_state_ms(state) != 0) Reached(summary, state, event.times_by_state_ms(state));
  }
  if (!event.function_name().empty()) summary.function_name = event.function_name();
  if (!event.node_id().empty()) summary.node_id = event.node_id();
  if (!event.worker_id().empty()) summary.worker_id = event.worker_id();
  if (!event.error_message().empty()) summary.error_message = event.error_message();
}

rpc::GetTaskEventsReply TaskEventManager::Get(const JobID& job, int limit) const {
  rpc::GetTaskEventsReply reply;
  const int max = limit > 0 ? limit : 1000;
  std::array<int64_t, rpc::TaskState_ARRAYSIZE> counts{};
  for (const Summary& summary : order_) {
    if (!job.IsNil() && summary.key.task.JobId() != job) continue;
    counts[summary.state]++;
    if (reply.tasks_size() >= max) continue;
    rpc::TaskSummary& out = *reply.add_tasks();
    out.set_task_id(summary.key.task.Binary());
    out.set_job_id(summary.key.task.JobId().Binary());
    out.set_attempt(summary.key.attempt);
    out.set_function_name(summary.function_name);
    out.set_state(summary.state);
    for (int state = 1; state < rpc::TaskState_ARRAYSIZE; state++) {
      if (summary.times_ms[state] != 0) (*out.mutable_state_times_ms())[state] = summary.times_ms[state];
    }
    out.set_node_id(summary.node_id);
    out.set_worker_id(summary.worker_id);
    out.set_error_message(summary.error_message);
  }
  reply.set_num_dropped(dropped_);
  for (int64_t n : counts) reply.add_count_by_state(n);
  return reply;
}

}  // namespace gcs
}  // namespace photon
