#include "scheduler/cluster_resource_view.h"

#include <algorithm>

namespace photon {
namespace scheduler {

void ClusterResourceView::EnsureResource(ResourceId id) {
  while (static_cast<int>(total_.size()) <= id) {
    total_.emplace_back(nodes_.size(), 0);
    available_.emplace_back(nodes_.size(), 0);
  }
}

void ClusterResourceView::Set(int node, const std::map<std::string, double>& amounts,
                              std::vector<std::vector<int64_t>>& table) {
  for (auto& column : table) column[node] = 0;
  for (const auto& [name, amount] : amounts) {
    ResourceId id = names_.Intern(name);
    EnsureResource(id);
    table[id][node] = FixedPoint::FromDouble(amount).units();
  }
}

int ClusterResourceView::UpdateNode(const NodeID& node, const std::map<std::string, double>& total,
                                    const std::map<std::string, double>& available) {
  auto [it, added] = index_.try_emplace(node, static_cast<int>(nodes_.size()));
  const int index = it->second;
  if (added) {
    nodes_.push_back(node);
    alive_.push_back(1);
    for (auto& column : total_) column.push_back(0);
    for (auto& column : available_) column.push_back(0);
  }
  alive_[index] = 1;
  Set(index, total, total_);
  Set(index, available, available_);
  return index;
}

void ClusterResourceView::MarkDead(const NodeID& node) {
  int index = NodeIndex(node);
  if (index >= 0) alive_[index] = 0;
}

int ClusterResourceView::NodeIndex(const NodeID& node) const {
  auto it = index_.find(node);
  return it == index_.end() ? -1 : it->second;
}

FixedPoint ClusterResourceView::Total(int node, ResourceId id) const {
  return id < static_cast<int>(total_.size()) ? FixedPoint::FromUnits(total_[id][node]) : FixedPoint();
}

FixedPoint ClusterResourceView::Available(int node, ResourceId id) const {
  return id < static_cast<int>(available_.size()) ? FixedPoint::FromUnits(available_[id][node]) : FixedPoint();
}

double ClusterResourceView::UtilizationAfter(int node, const ResourceRequest& request) const {
  double worst = 0;
  for (const auto& [id, amount] : request.items()) {
    const int64_t total = total_[id][node];
    if (total <= 0) continue;
    const int64_t used = total - available_[id][node] + amount.units();
    worst = std::max(worst, static_cast<double>(used) / static_cast<double>(total));
  }
  return worst;
}

void ClusterResourceView::Allocate(int node, const ResourceRequest& request) {
  for (const auto& [id, amount] : request.items()) available_[id][node] -= amount.units();
}

void ClusterResourceView::Free(int node, const ResourceRequest& request) {
  for (const auto& [id, amount] : request.items()) {
    EnsureResource(id);
    available_[id][node] = std::min(available_[id][node] + amount.units(), total_[id][node]);
  }
}

}  // namespace scheduler
}  // namespace photon
