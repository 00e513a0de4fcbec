#pragma once

// HealthChecker: decides when a raylet is dead.
//
// Each ALIVE node is probed every `period`; a probe that fails or does not
// answer within `timeout` (the prober's deadline) counts as a failure, a
// success resets the count, and `failure_threshold` failures in a row make
// the node DEAD. So a killed raylet is DEAD within about
// period * failure_threshold + timeout.
//
// Time and probes are injected, so a unit test drives both:
//
//   HealthChecker checker(options, prober, on_dead, clock);
//   checker.AddNode(node);
//   loop.RunEvery("HealthCheck.Tick", checker.tick_interval(), [&] { checker.Tick(); });
//
// Runs only on the GCS loop; the prober must call its callback on the loop.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "core/common/id.h"

namespace photon {
namespace gcs {

class HealthChecker {
 public:
  struct Options {
    // Time between the end of one probe and the start of the next.
    int64_t period_ms = 1000;
    // A probe's deadline (used by the prober).
    int64_t timeout_ms = 1000;
    // Failures in a row that make a node DEAD.
    int failure_threshold = 5;
  };
  // Probes `node`; calls `done(healthy)` on the loop, once.
  using Prober = std::function<void(const NodeID& node, std::function<void(bool healthy)> done)>;
  using OnDead = std::function<void(const NodeID& node, const std::string& reason)>;
  // Milliseconds on a monotonic clock.
  using Clock = std::function<int64_t()>;

  HealthChecker(Options options, Prober prober, OnDead on_dead, Clock clock);

  // Starts checking `node` (no-op when already checked); the first probe
  // waits one period.
  void AddNode(const NodeID& node);
  void RemoveNode(const NodeID& node);

  // Starts the probes that are due.
  void Tick();

  // How often Tick should run to keep probes close to their period.
  std::chrono::milliseconds tick_interval() const;
  size_t num_nodes() const { return nodes_.size(); }
  const Options& options() const { return options_; }

 private:
  struct NodeState {
    int consecutive_failures = 0;
    bool probe_in_flight = false;
    int64_t next_probe_ms = 0;
    // Bumped when the node is removed and added again, so a stale probe's
    // answer is ignored.
    uint64_t generation = 0;
  };
  void OnProbeDone(const NodeID& node, uint64_t generation, bool healthy);

  const Options options_;
  Prober prober_;
  OnDead on_dead_;
  Clock clock_;
  uint64_t next_generation_ = 0;
  absl::flat_hash_map<NodeID, NodeState> nodes_;
};

}  // namespace gcs
}  // namespace photon
