#include "scheduler/scheduling_policy.h"

#include <sstream>

namespace photon {
namespace scheduler {

SchedulingResult SchedulingPolicy::Schedule(const ResourceRequest& request, const SchedulingStrategy& strategy,
                                            int local_node) {
  switch (strategy.kind) {
    case SchedulingStrategy::kSpread:
      return Spread(request, local_node);
    case SchedulingStrategy::kNodeAffinity:
      return Affinity(request, strategy, local_node);
    case SchedulingStrategy::kHybrid:
      break;
  }
  return Hybrid(request, local_node);
}

SchedulingResult SchedulingPolicy::Hybrid(const ResourceRequest& request, int local_node) const {
  const int n = view_.num_nodes();
  int best = -1;
  double best_util = 2;
  auto consider = [&](int i) -> bool {
    if (!view_.IsAlive(i) || !view_.Fits(i, request)) return false;
    const double util = view_.UtilizationAfter(i, request);
    if (util <= spread_threshold_) {
      best = i;
      return true;  // pack here
    }
    if (util < best_util) {
      best_util = util;
      best = i;
    }
    return false;
  };
  if (local_node >= 0 && consider(local_node)) return {SchedulingResult::kScheduled, best, ""};
  for (int i = 0; i < n; i++) {
    if (i != local_node && consider(i)) return {SchedulingResult::kScheduled, best, ""};
  }
  if (best >= 0) return {SchedulingResult::kScheduled, best, ""};
  return NotNow(request, local_node);
}

SchedulingResult SchedulingPolicy::Spread(const ResourceRequest& request, int local_node) {
  const int n = view_.num_nodes();
  for (int k = 0; k < n; k++) {
    const int i = (spread_next_ + k) % n;
    if (view_.IsAlive(i) && view_.Fits(i, request)) {
      spread_next_ = (i + 1) % n;
      return {SchedulingResult::kScheduled, i, ""};
    }
  }
  return NotNow(request, local_node);
}

SchedulingResult SchedulingPolicy::Affinity(const ResourceRequest& request, const SchedulingStrategy& strategy,
                                            int local_node) {
  const int i = view_.NodeIndex(strategy.node);
  std::string problem;
  if (i < 0 || !view_.IsAlive(i)) {
    problem = "node " + strategy.node.Hex() + " is unknown or dead";
  } else if (!view_.Feasible(i, request)) {
    problem = "node " + strategy.node.Hex() + " can never hold " + request.DebugString(view_.names());
  } else if (view_.Fits(i, request)) {
    return {SchedulingResult::kScheduled, i, ""};
  } else if (!strategy.soft) {
    return {SchedulingResult::kUnavailable, i, "waiting for resources on node " + strategy.node.Hex()};
  }
  if (strategy.soft) return Hybrid(request, local_node);
  return {SchedulingResult::kInfeasible, -1, "hard node affinity: " + problem};
}

SchedulingResult SchedulingPolicy::NotNow(const ResourceRequest& request, int local_node) const {
  if (local_node >= 0 && view_.IsAlive(local_node) && view_.Feasible(local_node, request)) {
    return {SchedulingResult::kUnavailable, local_node, ""};
  }
  int biggest = -1;
  for (int i = 0; i < view_.num_nodes(); i++) {
    if (!view_.IsAlive(i)) continue;
    if (view_.Feasible(i, request)) return {SchedulingResult::kUnavailable, i, ""};
    if (biggest < 0 || view_.Total(i, kCpu) > view_.Total(biggest, kCpu)) biggest = i;
  }
  std::ostringstream reason;
  reason << "no alive node can ever hold " << request.DebugString(view_.names());
  if (biggest >= 0) {
    reason << " (the biggest node, " << view_.NodeAt(biggest).ShortHex() << ", has";
    for (const auto& [id, amount] : request.items()) {
      reason << " " << view_.names().Name(id) << ": " << view_.Total(biggest, id).ToDouble();
    }
    reason << ")";
  } else {
    reason << " (no node is alive)";
  }
  return {SchedulingResult::kInfeasible, -1, reason.str()};
}

}  // namespace scheduler
}  // namespace photon
