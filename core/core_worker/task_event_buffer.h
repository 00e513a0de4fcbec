#pragma once
// TaskEventBuffer: collects task state changes (submitted, scheduled,
// running, finished, failed) and sends them to the GCS in batches from a
// thread of its own, every `period` or when `batch` events are waiting.
// Events beyond `max_buffered` are dropped (and counted in the log) rather
// than blocking tasks while the GCS is slow or down.
//
//   TaskEventBuffer events(gcs_client);
//   events.Start();
//   events.Record(task_id, attempt, rpc::RUNNING, node, worker);
//   events.Stop();   // sends what is left
//
// Thread-safe.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/common/id.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace core {

class TaskEventBuffer {
 public:
  explicit TaskEventBuffer(gcs::GcsClient& gcs, std::chrono::milliseconds period = std::chrono::milliseconds(500),
                           size_t batch = 5000, size_t max_buffered = 200000);
  ~TaskEventBuffer();

  void Start();
  void Stop();
  void Record(rpc::TaskEvent event);
  // Events sent so far and events dropped (for tests and logs).
  int64_t sent() const;
  int64_t dropped() const;

 private:
  void Run();

  gcs::GcsClient& gcs_;
  const std::chrono::milliseconds period_;
  const size_t batch_;
  const size_t max_buffered_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<rpc::TaskEvent> events_;  // guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  int64_t sent_ = 0;                    // guarded by mu_
  int64_t dropped_ = 0;                 // guarded by mu_
  std::thread thread_;
};

// "now" in milliseconds since the epoch, for event timestamps.
int64_t NowMs();

}  // namespace core
}  // namespace photon
