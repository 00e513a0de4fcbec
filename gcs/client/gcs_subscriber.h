#pragma once

// GcsSubscriber: follows GCS pubsub channels on a thread of its own.
//
// It long-polls the GCS; on its first reply, and whenever the GCS restarted
// (new epoch) or the subscriber fell behind, the reply is a snapshot and
// `on_snapshot` gets the whole current state; otherwise `on_message` gets
// each change in order. While the GCS is down it retries with backoff and
// carries on when the GCS is back: a subscriber never has to be recreated.
//
//   GcsSubscriber sub(client, {rpc::NODE}, {
//       .on_snapshot = [&](const std::vector<rpc::PubMessage>& all) { Replace(all); },
//       .on_message = [&](const rpc::PubMessage& m) { Apply(m); }});
//   sub.Start();
//   ...
//   sub.Stop();   // returns within one poll timeout
//
// Callbacks run on the subscriber's thread. Thread-safe.

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "gcs/client/gcs_client.h"

namespace photon {
namespace gcs {

class GcsSubscriber {
 public:
  struct Callbacks {
    std::function<void(const std::vector<rpc::PubMessage>&)> on_snapshot;
    std::function<void(const rpc::PubMessage&)> on_message;
  };

  GcsSubscriber(GcsClient& client, std::vector<rpc::Channel> channels, Callbacks callbacks,
                std::chrono::milliseconds poll_timeout = std::chrono::milliseconds(1000));
  ~GcsSubscriber();

  void Start();
  // Returns once the thread has ended (within one poll timeout).
  void Stop();
  // Asks the thread to end after its current poll, without waiting; lets a
  // process stop several subscribers at once. Stop still joins it.
  void RequestStop() { stopping_ = true; }

 private:
  void Run();

  GcsClient& client_;
  const std::vector<rpc::Channel> channels_;
  const Callbacks callbacks_;
  const std::chrono::milliseconds poll_timeout_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace gcs
}  // namespace photon
