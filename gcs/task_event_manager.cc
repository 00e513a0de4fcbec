#include "gcs/task_event_manager.h"

#include "absl/strings/str_cat.h"

namespace photon {
namespace gcs {

absl::Status TaskEventManager::Add(const std::vector<rpc::TaskEvent>& events) {
  absl::Status first_error;
  for (size_t i = 0; i < events.size(); i++) {
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
    Key key{*task, event.attempt()};
    auto it = index_.find(key);
    if (it == index_.end()) {
      rpc::TaskSummary summary;
      summary.set_task_id(event.task_id());
      summary.set_job_id(task->JobId().Binary());
      summary.set_attempt(event.attempt());
      order_.push_front(std::move(summary));
      it = index_.emplace(key, order_.begin()).first;
      while (order_.size() > options_.max_tasks) {
        const rpc::TaskSummary& oldest = order_.back();
        index_.erase(Key{*TaskID::FromBinary(oldest.task_id()), oldest.attempt()});
        order_.pop_back();
        dropped_++;
      }
    }
    rpc::TaskSummary& summary = *it->second;
    (*summary.mutable_state_times_ms())[event.state()] = event.timestamp_ms();
    for (const auto& [state, when] : event.state_times_ms()) {
      if (!rpc::TaskState_IsValid(state) || state == rpc::TASK_STATE_UNSPECIFIED) continue;
      (*summary.mutable_state_times_ms())[state] = when;
      if (state >= summary.state()) summary.set_state(static_cast<rpc::TaskState>(state));
    }
    // Events of one attempt can arrive out of order (different batches):
    // the latest state is the furthest one along.
    if (event.state() >= summary.state()) summary.set_state(event.state());
    if (!event.function_name().empty()) summary.set_function_name(event.function_name());
    if (!event.node_id().empty()) summary.set_node_id(event.node_id());
    if (!event.worker_id().empty()) summary.set_worker_id(event.worker_id());
    if (!event.error_message().empty()) summary.set_error_message(event.error_message());
  }
  return first_error;
}

rpc::GetTaskEventsReply TaskEventManager::Get(const JobID& job, int limit) const {
  rpc::GetTaskEventsReply reply;
  const int max = limit > 0 ? limit : 1000;
  const std::string job_bytes = job.Binary();
  for (const rpc::TaskSummary& summary : order_) {
    if (reply.tasks_size() >= max) break;
    if (!job.IsNil() && summary.job_id() != job_bytes) continue;
    *reply.add_tasks() = summary;
  }
  reply.set_num_dropped(dropped_);
  return reply;
}

}  // namespace gcs
}  // namespace photon
