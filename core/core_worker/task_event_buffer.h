#pragma once
// TaskEventBuffer: collects task state changes (submitted, scheduled,
// running, finished, failed) and sends them to the GCS in batches from a
// thread of its own, every `period`. Changes of one task attempt made within
// one period travel as one TaskEvent (its times_by_state_ms holds them all), so
// a short task costs the GCS one entry, not five. Attempts beyond
// `max_buffered` are dropped (and counted in the log) rather than blocking
// tasks while the GCS is slow or down.
//
//   TaskEventBuffer events(gcs_client);
//   events.Start();
//   events.Record(task_id, attempt, rpc::RUNNING, node, worker);
//   events.Stop();   // sends what is left
//
// Thread-safe; Record is cheap (no protobuf is built until the flush).
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/common/id.h"
#include "gcs/client/gcs_client.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace core {

class TaskEventBuffer {
 public:
  explicit TaskEventBuffer(gcs::GcsClient& gcs, std::chrono::milliseconds period = std::chrono::milliseconds(500),
                           size_t max_buffered = 200000);
  ~TaskEventBuffer();

  void Start();
  void Stop();
  // `function` is kept when not empty (SUBMITTED), `error` likewise (FAILED).
  void Record(const TaskID& task, int attempt, rpc::TaskState state, const NodeID& node, const WorkerID& worker,
              const std::string& function = "", const std::string& error = "");
  // Record for the attempt `spec` describes.
  void RecordAttempt(const rpc::TaskSpec& spec, rpc::TaskState state, const NodeID& node = NodeID::Nil(),
                     const WorkerID& worker = WorkerID::Nil(), const std::string& function = "",
                     const std::string& error = "");

 private:
  struct Attempt {
    std::array<int64_t, 6> times_ms{};  // by TaskState; 0 = not reached
    int latest = 0;
    NodeID node;
    WorkerID worker;
    std::string function;
    std::string error;
  };
  void Run();
  static rpc::AddTaskEventsRequest ToRequest(absl::flat_hash_map<std::pair<TaskID, int>, Attempt>& pending);

  gcs::GcsClient& gcs_;
  const std::chrono::milliseconds period_;
  const size_t max_buffered_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  absl::flat_hash_map<std::pair<TaskID, int>, Attempt> pending_;  // guarded by mu_
  bool stopping_ = false;                                         // guarded by mu_
  int64_t dropped_ = 0;                                           // guarded by mu_
  std::thread thread_;
};

// "now" in milliseconds since the epoch, for event timestamps.
int64_t NowMs();

}  // namespace core
}  // namespace photon
