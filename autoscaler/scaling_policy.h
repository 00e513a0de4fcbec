#pragma once

// Decide: the autoscaler's decision step, a pure function (state in,
// launches and drains out), unit-tested and benchmarked without processes,
// as scheduler/ is for placement.
//
// Each call:
//   1. bin-packs pending demand (task/actor shapes with counts, then
//      placement-group gangs with their strategy, then request_resources
//      constraints) onto the free capacity of running nodes, then onto nodes
//      already launching (requested/allocated), then onto new nodes of the
//      type that wastes least (GPU types only for GPU demand);
//   2. honours each type's min_workers/max_workers and the cluster's
//      max_workers, and launches at most max(5, upscaling_speed x running)
//      nodes while others are in flight;
//   3. reports demand no node type could ever hold as infeasible (never
//      launched for);
//   4. picks for draining the nodes idle for idle_timeout_s or longer (no
//      leases, actors, bundles or primary copies: `idle_s` says so) above
//      their type's min_workers, never the head or a node it did not launch.
//
//   ScalingDecision d = Decide(config, input);
//   for (auto& [type, n] : d.launch) ...;  for (auto& id : d.drain) ...;
//
// Thread-safe (no state).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "autoscaler/autoscaler_config.h"

namespace photon {
namespace autoscaler {

using Resources = std::map<std::string, double>;

// Where an instance the autoscaler asked for is in its life.
enum class InstanceState { kRequested, kAllocated, kRunning, kDraining, kTerminated, kFailed };
const char* InstanceStateName(InstanceState state);

struct NodeView {
  std::string instance_id;  // "" for a node the autoscaler did not launch (the head)
  std::string node_type;    // "" when unknown
  InstanceState state = InstanceState::kRunning;
  bool is_head = false;
  Resources total;
  Resources available;  // == total for a node still launching
  double idle_s = 0;    // how long it has held no lease, actor, bundle or primary copy
};

struct DemandShape {
  Resources shape;
  int64_t count = 1;
};

enum class GangStrategy { kPack, kSpread, kStrictPack, kStrictSpread };

struct GangDemand {
  std::string id;  // the placement group, for messages
  std::vector<Resources> bundles;
  GangStrategy strategy = GangStrategy::kPack;
};

struct ScalingInput {
  std::vector<NodeView> nodes;
  std::vector<DemandShape> tasks;  // queued leases and pending actors, by shape
  std::vector<GangDemand> gangs;   // pending placement groups
  // request_resources(): bundles the cluster must be able to hold at once
  // (a floor on its size, not demand on top of what runs).
  std::vector<Resources> constraints;
};

struct Infeasible {
  Resources shape;
  int64_t count = 0;
  std::string reason;  // "no node type has 100 CPU (largest: cpu2 with 2)"
};

struct ScalingDecision {
  std::map<std::string, int> launch;  // node type -> how many new nodes
  std::vector<std::string> drain;     // instance ids to drain, then terminate
  std::vector<Infeasible> infeasible;
  std::vector<std::string> reasons;   // one line per decision, for the log and `photon status`
};

ScalingDecision Decide(const AutoscalerConfig& config, const ScalingInput& input);

}  // namespace autoscaler
}  // namespace photon
