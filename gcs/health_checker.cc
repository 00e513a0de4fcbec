#include "gcs/health_checker.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace photon {
namespace gcs {

HealthChecker::HealthChecker(Options options, Prober prober, OnDead on_dead, Clock clock)
    : options_(options),
      prober_(std::move(prober)),
      on_dead_(std::move(on_dead)),
      clock_(std::move(clock)) {}

void HealthChecker::AddNode(const NodeID& node) {
  if (nodes_.contains(node)) return;
  NodeState state;
  state.next_probe_ms = clock_() + options_.period_ms;
  state.generation = ++next_generation_;
  nodes_.emplace(node, state);
}

void HealthChecker::RemoveNode(const NodeID& node) { nodes_.erase(node); }

std::chrono::milliseconds HealthChecker::tick_interval() const {
  return std::chrono::milliseconds(std::max<int64_t>(10, options_.period_ms / 10));
}

void HealthChecker::Tick() {
  const int64_t now = clock_();
  std::vector<std::pair<NodeID, uint64_t>> due;
  for (auto& [node, state] : nodes_) {
    if (state.probe_in_flight || now < state.next_probe_ms) continue;
    state.probe_in_flight = true;
    due.emplace_back(node, state.generation);
  }
  // Probes start after the scan: a prober may answer synchronously.
  for (const auto& [node, generation] : due) {
    NodeID id = node;
    uint64_t gen = generation;
    prober_(id, [this, id, gen](bool healthy) { OnProbeDone(id, gen, healthy); });
  }
}

void HealthChecker::OnProbeDone(const NodeID& node, uint64_t generation, bool healthy) {
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.generation != generation) return;
  NodeState& state = it->second;
  state.probe_in_flight = false;
  state.next_probe_ms = clock_() + options_.period_ms;
  if (healthy) {
    state.consecutive_failures = 0;
    return;
  }
  if (++state.consecutive_failures < options_.failure_threshold) return;
  nodes_.erase(it);
  on_dead_(node, absl::StrCat("health check failed ", options_.failure_threshold,
                              " times in a row (period ", options_.period_ms, " ms, timeout ",
                              options_.timeout_ms, " ms)"));
}

}  // namespace gcs
}  // namespace photon
