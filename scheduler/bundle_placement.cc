#include "scheduler/bundle_placement.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

namespace photon {
namespace scheduler {
namespace {

// The available amounts of the resources a group asks for, per node: a copy
// that placement draws down while the view stays untouched.
class Tentative {
 public:
  Tentative(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles) : view_(view) {
    ResourceId max_id = -1;
    for (const auto& bundle : bundles) {
      for (const auto& item : bundle.items()) max_id = std::max(max_id, item.first);
    }
    available_.resize(max_id + 1);
    for (ResourceId id = 0; id <= max_id; id++) {
      for (int n = 0; n < view.num_nodes(); n++) available_[id].push_back(view.Available(n, id).units());
    }
  }

  bool Fits(int node, const ResourceRequest& request) const {
    for (const auto& [id, amount] : request.items()) {
      if (available_[id][node] < amount.units()) return false;
    }
    return true;
  }

  void Take(int node, const ResourceRequest& request) {
    for (const auto& [id, amount] : request.items()) available_[id][node] -= amount.units();
  }

  // The alive node where `request` fits now with the lowest `penalty`, then
  // the most room left, then the lowest index; -1 when it fits nowhere.
  int Best(const ResourceRequest& request, const std::function<int(int)>& penalty) const {
    int best = -1;
    int best_penalty = 0;
    double best_load = 0;
    for (int n = 0; n < view_.num_nodes(); n++) {
      if (!view_.IsAlive(n) || !Fits(n, request)) continue;
      const int p = penalty ? penalty(n) : 0;
      const double load = LoadAfter(n, request);
      if (best < 0 || p < best_penalty || (p == best_penalty && load < best_load)) {
        best = n;
        best_penalty = p;
        best_load = load;
      }
    }
    return best;
  }

  // Alive nodes where `request` fits now: most room left first, then by index.
  std::vector<int> Ranked(const ResourceRequest& request) const {
    std::vector<std::pair<double, int>> fitting;
    for (int n = 0; n < view_.num_nodes(); n++) {
      if (view_.IsAlive(n) && Fits(n, request)) fitting.emplace_back(LoadAfter(n, request), n);
    }
    std::sort(fitting.begin(), fitting.end());
    std::vector<int> nodes;
    for (const auto& entry : fitting) nodes.push_back(entry.second);
    return nodes;
  }

 private:
  // The largest used/total fraction among the requested resources once `request` is placed.
  double LoadAfter(int node, const ResourceRequest& request) const {
    double worst = 0;
    for (const auto& [id, amount] : request.items()) {
      const int64_t total = view_.Total(node, id).units();
      if (total <= 0) continue;
      const int64_t used = total - available_[id][node] + amount.units();
      worst = std::max(worst, static_cast<double>(used) / static_cast<double>(total));
    }
    return worst;
  }

  const ClusterResourceView& view_;
  std::vector<std::vector<int64_t>> available_;  // [resource][node], FixedPoint units
};

ResourceRequest Sum(const std::vector<ResourceRequest>& bundles) {
  ResourceRequest sum;
  for (const auto& bundle : bundles) {
    for (const auto& [id, amount] : bundle.items()) sum.Set(id, sum.Get(id) + amount);
  }
  return sum;
}

bool AnyAliveNodeCanHold(const ClusterResourceView& view, const ResourceRequest& request) {
  for (int n = 0; n < view.num_nodes(); n++) {
    if (view.IsAlive(n) && view.Feasible(n, request)) return true;
  }
  return false;
}

int NumAlive(const ClusterResourceView& view) {
  int alive = 0;
  for (int n = 0; n < view.num_nodes(); n++) alive += view.IsAlive(n) ? 1 : 0;
  return alive;
}

BundlePlacement Placed(std::vector<int> nodes) { return {BundlePlacement::kPlaced, std::move(nodes), ""}; }

BundlePlacement NotNow(BundlePlacement::Status status, PlacementStrategy strategy, const std::string& what) {
  return {status, {}, std::string(PlacementStrategyName(strategy)) + " group: " + what};
}

std::string BundleName(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles, size_t i) {
  return "bundle " + std::to_string(i) + " " + bundles[i].DebugString(view.names());
}

BundlePlacement NoNodeNow(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles, size_t i,
                          PlacementStrategy strategy) {
  return NotNow(BundlePlacement::kUnavailable, strategy,
                BundleName(view, bundles, i) + " fits on no alive node now" +
                    (i > 0 ? " once bundles 0.." + std::to_string(i - 1) + " are placed" : ""));
}

// kInfeasible when no alive node, even idle, can hold a bundle (or a
// STRICT_PACK group's sum); nullopt otherwise.
std::optional<BundlePlacement> CheckInfeasible(const ClusterResourceView& view,
                                               const std::vector<ResourceRequest>& bundles,
                                               PlacementStrategy strategy) {
  if (bundles.empty()) return NotNow(BundlePlacement::kInfeasible, strategy, "has no bundles");
  for (size_t i = 0; i < bundles.size(); i++) {
    if (!AnyAliveNodeCanHold(view, bundles[i])) {
      return NotNow(BundlePlacement::kInfeasible, strategy,
                    BundleName(view, bundles, i) + ": no alive node can ever hold it" +
                        (NumAlive(view) == 0 ? " (no node is alive)" : ""));
    }
  }
  if (strategy == PlacementStrategy::kStrictPack) {
    const ResourceRequest sum = Sum(bundles);
    if (!AnyAliveNodeCanHold(view, sum)) {
      return NotNow(BundlePlacement::kInfeasible, strategy,
                    "all " + std::to_string(bundles.size()) + " bundles together need " +
                        sum.DebugString(view.names()) + " on one node; no alive node can ever hold that");
    }
  }
  return std::nullopt;
}

BundlePlacement Pack(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles) {
  Tentative t(view, bundles);
  const int whole = t.Best(Sum(bundles), nullptr);
  if (whole >= 0) return Placed(std::vector<int>(bundles.size(), whole));
  // First fit over the nodes already opened, in opening order.
  std::vector<int> opened;
  std::vector<int> nodes;
  for (size_t i = 0; i < bundles.size(); i++) {
    int chosen = -1;
    for (int n : opened) {
      if (t.Fits(n, bundles[i])) {
        chosen = n;
        break;
      }
    }
    if (chosen < 0) chosen = t.Best(bundles[i], nullptr);
    if (chosen < 0) {
      return NoNodeNow(view, bundles, i, PlacementStrategy::kPack);
    }
    if (std::find(opened.begin(), opened.end(), chosen) == opened.end()) opened.push_back(chosen);
    t.Take(chosen, bundles[i]);
    nodes.push_back(chosen);
  }
  return Placed(std::move(nodes));
}

BundlePlacement Spread(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles) {
  Tentative t(view, bundles);
  std::vector<int> count(view.num_nodes(), 0);  // bundles of this group per node
  std::vector<int> nodes;
  for (size_t i = 0; i < bundles.size(); i++) {
    const int chosen = t.Best(bundles[i], [&count](int n) { return count[n]; });
    if (chosen < 0) {
      return NoNodeNow(view, bundles, i, PlacementStrategy::kSpread);
    }
    t.Take(chosen, bundles[i]);
    count[chosen]++;
    nodes.push_back(chosen);
  }
  return Placed(std::move(nodes));
}

BundlePlacement StrictPack(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles) {
  Tentative t(view, bundles);
  const ResourceRequest sum = Sum(bundles);
  const int node = t.Best(sum, nullptr);
  if (node < 0) {
    return NotNow(BundlePlacement::kUnavailable, PlacementStrategy::kStrictPack,
                  "no alive node has " + sum.DebugString(view.names()) + " available now");
  }
  return Placed(std::vector<int>(bundles.size(), node));
}

// Kuhn's augmenting path: finds bundle `b` a node, moving earlier bundles to
// other candidates where that frees one.
bool Augment(int b, const std::vector<std::vector<int>>& candidates, std::vector<int>& owner,
             std::vector<char>& visited) {
  for (int n : candidates[b]) {
    if (visited[n]) continue;
    visited[n] = 1;
    if (owner[n] < 0 || Augment(owner[n], candidates, owner, visited)) {
      owner[n] = b;
      return true;
    }
  }
  return false;
}

BundlePlacement StrictSpread(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles) {
  const int alive = NumAlive(view);
  if (alive < static_cast<int>(bundles.size())) {
    return NotNow(BundlePlacement::kUnavailable, PlacementStrategy::kStrictSpread,
                  "needs " + std::to_string(bundles.size()) + " distinct nodes, " + std::to_string(alive) +
                      " alive; waiting for nodes to join");
  }
  // One bundle per node, so each bundle is checked against untouched amounts.
  Tentative t(view, bundles);
  std::vector<std::vector<int>> candidates;
  for (const auto& bundle : bundles) candidates.push_back(t.Ranked(bundle));
  std::vector<int> owner(view.num_nodes(), -1);
  for (size_t b = 0; b < bundles.size(); b++) {
    std::vector<char> visited(view.num_nodes(), 0);
    if (!Augment(static_cast<int>(b), candidates, owner, visited)) {
      return NotNow(BundlePlacement::kUnavailable, PlacementStrategy::kStrictSpread,
                    "no way to put the " + std::to_string(bundles.size()) +
                        " bundles on distinct nodes with what is available now (" + BundleName(view, bundles, b) +
                        " fits on " + std::to_string(candidates[b].size()) + " nodes)");
    }
  }
  std::vector<int> nodes(bundles.size(), -1);
  for (int n = 0; n < view.num_nodes(); n++) {
    if (owner[n] >= 0) nodes[owner[n]] = n;
  }
  return Placed(std::move(nodes));
}

}  // namespace

const char* PlacementStrategyName(PlacementStrategy strategy) {
  switch (strategy) {
    case PlacementStrategy::kPack:
      return "PACK";
    case PlacementStrategy::kSpread:
      return "SPREAD";
    case PlacementStrategy::kStrictPack:
      return "STRICT_PACK";
    case PlacementStrategy::kStrictSpread:
      return "STRICT_SPREAD";
  }
  return "UNKNOWN";
}

BundlePlacement PlaceBundles(const ClusterResourceView& view, const std::vector<ResourceRequest>& bundles,
                             PlacementStrategy strategy) {
  if (std::optional<BundlePlacement> infeasible = CheckInfeasible(view, bundles, strategy)) return *infeasible;
  switch (strategy) {
    case PlacementStrategy::kPack:
      return Pack(view, bundles);
    case PlacementStrategy::kSpread:
      return Spread(view, bundles);
    case PlacementStrategy::kStrictPack:
      return StrictPack(view, bundles);
    case PlacementStrategy::kStrictSpread:
      return StrictSpread(view, bundles);
  }
  return {BundlePlacement::kInfeasible, {}, "unknown placement strategy"};
}

}  // namespace scheduler
}  // namespace photon
