#pragma once

// PlaceBundles: picks a node for every bundle of a placement group.
//
// The GCS calls this before its two-phase commit (prepare on every chosen
// raylet, then commit or cancel). It reads the cluster view and never
// changes it: bundles of the same group are placed against a private copy
// of the available amounts, so two bundles never count the same CPU twice.
//
// Strategies (Ray's semantics):
//   PACK          as few nodes as possible, best effort: the whole group on
//                 one node when some node can take it, else first fit over
//                 the nodes the group already uses before opening another.
//   SPREAD        distinct nodes, best effort: a node the group does not
//                 use yet when one fits, else the fitting node holding the
//                 fewest of its bundles.
//   STRICT_PACK   every bundle on one node, or wait.
//   STRICT_SPREAD every bundle on its own node, or wait. Solved exactly (a
//                 bipartite matching), so a placement that exists is found.
// Among equally good nodes the one with the most room left wins: the lowest
// used/total fraction (over the resources asked for) after placing; ties go
// to the lowest node index. Dead nodes are never chosen.
//
// Outcomes:
//   kPlaced      `nodes[i]` is bundle i's node index.
//   kInfeasible  no alive node could ever hold some bundle (or, for
//                STRICT_PACK, the whole group) even when idle; `reason`
//                names the bundle, its shape and the strategy.
//   kUnavailable everything else that cannot be placed now: resources are
//                busy, or more nodes are needed (STRICT_SPREAD with more
//                bundles than alive nodes; PACK/SPREAD groups too big for
//                the cluster as a whole). The group waits; the autoscaler
//                may add nodes. `reason` says what is missing.
// PACK and SPREAD are greedy: a group that a cleverer assignment could fit
// may be reported kUnavailable.
//
//   std::vector<ResourceRequest> bundles = {cpu1, cpu1, gpu1};
//   BundlePlacement p = PlaceBundles(view, bundles, PlacementStrategy::kStrictSpread);
//   if (p.status == BundlePlacement::kPlaced) PrepareOn(p.nodes);
//
// A pure function; the view must not change during the call.

#include <string>
#include <vector>

#include "scheduler/cluster_resource_view.h"
#include "scheduler/resource_request.h"

namespace photon {
namespace scheduler {

enum class PlacementStrategy { kPack, kSpread, kStrictPack, kStrictSpread };

// "PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD".
const char* PlacementStrategyName(PlacementStrategy strategy);

struct BundlePlacement {
  enum Status { kPlaced, kUnavailable, kInfeasible };
  Status status = kInfeasible;
  std::vector<int> nodes;  // kPlaced: one node index per bundle; empty otherwise
  std::string reason;      // kUnavailable and kInfeasible
};

// An empty group is kInfeasible (the API layer should reject it first).
BundlePlacement PlaceBundles(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles,
                             PlacementStrategy strategy);

}  // namespace scheduler
}  // namespace photon
