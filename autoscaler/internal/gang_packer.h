#pragma once

// PackGang: places one pending placement group, all or nothing, onto the
// free capacity Decide() tracks (running nodes, then launching ones, then
// nodes this decision already launches), opening new nodes through the
// LaunchPlan for what does not fit.
//
// Strategies, as the GCS will place the group once the nodes exist:
//   STRICT_PACK   the bundles' sum on one node (a free one, else a new one
//                 of the type wasting least).
//   PACK          like STRICT_PACK when some node or type holds the sum,
//                 else bundle by bundle, nodes the group already uses first.
//   SPREAD        bundle by bundle, a node the group does not use yet first,
//                 then one it uses, then a new node.
//   STRICT_SPREAD bundle by bundle, each on a node of its own: a free node
//                 the group does not use, else a new one (greedy, largest
//                 bundle first: the caller orders them).
//
// When the group cannot be placed only because the upscaling cap is
// reached, what it opened is kept (`partial`): the nodes come up, the cap
// grows with them, and the rest follows in a later round. A group blocked
// by max_workers is rolled back and launches nothing.
//
//   GangOutcome o = PackGang(bundles, GangStrategy::kStrictSpread, {&running, &launching, &opened}, plan);
//
// Thread-compatible (mutates the pools and the plan).

#include <map>
#include <string>
#include <vector>

#include "autoscaler/internal/capacity_pool.h"
#include "autoscaler/internal/launch_plan.h"
#include "autoscaler/scaling_policy.h"

namespace photon {
namespace autoscaler_internal {

struct Pools {
  CapacityPool* running;
  CapacityPool* launching;
  CapacityPool* opened;  // new nodes; new ones for the group are added here
};

struct GangOutcome {
  bool placed = false;
  bool partial = false;              // not placed, but the nodes opened so far are kept
  int64_t on_free = 0;               // bundles on nodes the group did not open
  std::map<int, int64_t> new_nodes;  // type -> nodes opened for the group (kept when placed or partial)
  int failed_bundle = -1;            // not placed: the bundle that found no node (-1: the sum)
  std::string why;                   // not placed: what is missing
};

// REQUIRES: bundles non-empty; no bundle is infeasible (the caller checks).
GangOutcome PackGang(const std::vector<ResourceRequest>& bundles, autoscaler::GangStrategy strategy, Pools pools,
                     LaunchPlan& plan);

}  // namespace autoscaler_internal
}  // namespace photon
