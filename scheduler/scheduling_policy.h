#pragma once

// SchedulingPolicy: picks the node for a request.
//
//   HYBRID (the default): nodes are tried local first, then in index order;
//     the first node that fits and stays at or under `spread_threshold`
//     utilisation (0.5) takes it, so work packs onto few nodes; when every
//     fitting node is busier than that, the least utilised one takes it
//     (spreading), the local node winning ties.
//   SPREAD: round robin over the nodes that fit.
//   NODE_AFFINITY: that node; hard fails when it is dead or can never fit
//     the request, soft falls back to HYBRID.
// A request no alive node can ever hold is kInfeasible with a reason that
// names the request and the biggest node; one that fits nowhere right now
// but is feasible is kUnavailable (queue it, preferably locally).
//
//   SchedulingPolicy policy(view);
//   SchedulingResult r = policy.Schedule(request, SchedulingStrategy::Hybrid(), local_index);
//   if (r.status == SchedulingResult::kScheduled) view.Allocate(r.node, request);
//
// Thread-compatible; holds the SPREAD cursor.

#include <string>

#include "core/common/id.h"
#include "scheduler/cluster_resource_view.h"

namespace photon {
namespace scheduler {

struct SchedulingStrategy {
  enum Kind { kHybrid, kSpread, kNodeAffinity };
  Kind kind = kHybrid;
  NodeID node;        // kNodeAffinity only
  bool soft = false;  // kNodeAffinity only

  static SchedulingStrategy Hybrid() { return {}; }
  static SchedulingStrategy Spread() { return {kSpread, NodeID(), false}; }
  static SchedulingStrategy NodeAffinity(const NodeID& node, bool soft) { return {kNodeAffinity, node, soft}; }
};

struct SchedulingResult {
  enum Status { kScheduled, kUnavailable, kInfeasible };
  Status status = kInfeasible;
  // The chosen node (kScheduled) or where to wait (kUnavailable); -1 otherwise.
  int node = -1;
  std::string reason;  // for kInfeasible (and hard affinity waits)
};

class SchedulingPolicy {
 public:
  explicit SchedulingPolicy(const ClusterResourceView& view, double spread_threshold = 0.5)
      : view_(view), spread_threshold_(spread_threshold) {}

  // `local_node` is this raylet's index (-1 when it has none).
  SchedulingResult Schedule(const ResourceRequest& request, const SchedulingStrategy& strategy, int local_node);

 private:
  SchedulingResult Hybrid(const ResourceRequest& request, int local_node) const;
  SchedulingResult Spread(const ResourceRequest& request, int local_node);
  SchedulingResult Affinity(const ResourceRequest& request, const SchedulingStrategy& strategy, int local_node);
  // kUnavailable at a feasible node (local preferred), else kInfeasible.
  SchedulingResult NotNow(const ResourceRequest& request, int local_node) const;

  const ClusterResourceView& view_;
  const double spread_threshold_;
  int spread_next_ = 0;
};

}  // namespace scheduler
}  // namespace photon
