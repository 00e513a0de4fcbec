#pragma once

// TaskEventManager: the task events core workers report (submitted,
// scheduled, running, finished, failed), folded into one summary per task
// attempt, for `photon` tools and the dashboard.
//
// Kept in memory only and bounded: past `max_tasks` summaries the oldest go
// first and are counted as dropped (task history is for watching a cluster,
// not a ledger; a GCS restart forgets it).
//
//   TaskEventManager events({.max_tasks = 100000});
//   RETURN_IF_ERROR(events.Add(batch));
//   rpc::GetTaskEventsReply reply = events.Get(job, /*limit=*/100);
//
// Runs only on the GCS loop.

#include <array>
#include <cstdint>
#include <list>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/common/id.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {

class TaskEventManager {
 public:
  struct Options {
    size_t max_tasks = 100000;
  };
  explicit TaskEventManager(Options options) : options_(options) {}

  // Applies every valid event; InvalidArgument names the first bad one (the
  // others are still applied).
  absl::Status Add(const google::protobuf::RepeatedPtrField<rpc::TaskEvent>& events);
  // Newest first; `job` nil means every job; limit <= 0 means 1,000.
  rpc::GetTaskEventsReply Get(const JobID& job, int limit) const;
  size_t num_tasks() const { return order_.size(); }

 private:
  struct Key {
    TaskID task;
    int32_t attempt;
    bool operator==(const Key& o) const { return task == o.task && attempt == o.attempt; }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.task, k.attempt);
    }
  };

  // One attempt, kept as plain fields: the protobuf summary is built only
  // when someone asks (Get), not per event.
  struct Summary {
    Key key;
    rpc::TaskState state = rpc::TASK_STATE_UNSPECIFIED;  // the latest
    std::array<int64_t, rpc::TaskState_ARRAYSIZE> times_ms{};  // by state; 0 = not reached
    std::string function_name, node_id, worker_id, error_message;
  };
  // Folds one valid event into its attempt's summary.
  void Apply(const TaskID& task, const rpc::TaskEvent& event);
  void Reached(Summary& summary, int state, int64_t when);

  const Options options_;
  std::list<Summary> order_;  // front = most recently created
  absl::flat_hash_map<Key, std::list<Summary>::iterator> index_;
  int64_t dropped_ = 0;
};

}  // namespace gcs
}  // namespace photon
