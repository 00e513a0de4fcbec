#include "autoscaler/internal/capacity_pool.h"

#include <algorithm>

namespace photon {
namespace autoscaler_internal {

int64_t FitCount(const int64_t* free, const ResourceRequest& shape, int64_t limit) {
  int64_t fit = limit;
  for (const auto& [id, amount] : shape.items()) {
    const int64_t have = free[id];
    if (have < amount.units()) return 0;
    fit = std::min(fit, have / amount.units());
  }
  return fit;
}

int CapacityPool::Add(int type, int node, int64_t count, const int64_t* free) {
  groups_.push_back(Group{type, node, count, false});
  free_.insert(free_.end(), free, free + num_resources_);
  for (int r = 0; r < num_resources_; r++) bound_[r] = std::max(bound_[r], free[r]);
  if (journaling_) journal_.push_back(Op{Op::kAdd, size() - 1, 0, false, {}});
  if (!Dead(size() - 1)) live_.push_back(size() - 1);
  return size() - 1;
}

int64_t CapacityPool::FitCount(int i, const ResourceRequest& shape, int64_t limit) const {
  return autoscaler_internal::FitCount(free(i), shape, limit);
}

bool CapacityPool::MayFit(const ResourceRequest& shape) const {
  if (groups_.empty()) return false;
  for (const auto& [id, amount] : shape.items()) {
    if (bound_[id] < amount.units()) return false;
  }
  return true;
}

void CapacityPool::SetFloor(const std::vector<int64_t>& floor) {
  floor_.clear();
  for (int r = 0; r < static_cast<int>(floor.size()) && r < num_resources_; r++) {
    if (floor[r] > 0) floor_.emplace_back(r, floor[r]);
  }
  RebuildLive();
}

bool CapacityPool::Dead(int i) const {
  const int64_t* amounts = free(i);
  for (const auto& [id, least] : floor_) {
    if (amounts[id] < least) return true;
  }
  return false;
}

void CapacityPool::RebuildLive() {
  live_.clear();
  for (int i = 0; i < size(); i++) {
    if (!Dead(i)) live_.push_back(i);
  }
}

int64_t CapacityPool::Place(const ResourceRequest& shape, int64_t count) {
  if (count <= 0 || !MayFit(shape)) return 0;
  int64_t left = count;
  // The most of each asked-for resource a live group keeps, for the bound.
  std::vector<int64_t>& most = scratch_;
  most.assign(shape.items().size(), 0);
  // Groups that Split appends below hold what was just placed: not revisited.
  const size_t scanned = live_.size();
  size_t k = 0, kept = 0;
  for (; k < scanned && left > 0; k++) {
    const int i = live_[k];
    const int64_t per_node = FitCount(i, shape, left);
    if (per_node > 0) {
      const int64_t nodes = groups_[i].count;
      if (nodes <= left / per_node) {
        Allocate(i, shape, per_node);
        left -= per_node * nodes;
      } else {
        const int64_t full = left / per_node;
        const int64_t rest = left % per_node;
        if (full > 0) Allocate(Split(i, full), shape, per_node);
        if (rest > 0) Allocate(Split(i, 1), shape, rest);
        left = 0;
      }
    }
    if (!journaling_ && Dead(i)) continue;  // can take nothing any more: leaves live_
    live_[kept++] = i;
    for (size_t r = 0; r < most.size(); r++) most[r] = std::max(most[r], free(i)[shape.items()[r].first]);
  }
  live_.erase(live_.begin() + kept, live_.begin() + k);
  // Every live group was seen and none holds another `shape`: tighten the bound.
  if (left > 0) {
    for (size_t r = 0; r < most.size(); r++) bound_[shape.items()[r].first] = most[r];
  }
  return count - left;
}

void CapacityPool::Allocate(int i, const ResourceRequest& shape, int64_t times) {
  int64_t* amounts = mutable_free(i);
  for (const auto& [id, amount] : shape.items()) amounts[id] -= amount.units() * times;
  if (journaling_) journal_.push_back(Op{Op::kAllocate, i, times, groups_[i].used, shape});
  groups_[i].used = true;
}

int CapacityPool::Split(int i, int64_t k) {
  if (k >= groups_[i].count) return i;
  groups_[i].count -= k;
  Group copy = groups_[i];
  copy.count = k;
  groups_.push_back(copy);
  const size_t from = static_cast<size_t>(i) * num_resources_;
  free_.insert(free_.end(), free_.begin() + from, free_.begin() + from + num_resources_);
  if (journaling_) journal_.push_back(Op{Op::kSplit, i, k, false, {}});
  live_.push_back(size() - 1);
  return size() - 1;
}

void CapacityPool::Begin() {
  journaling_ = true;
  journal_.clear();
  saved_bound_ = bound_;
}

void CapacityPool::Rollback() {
  for (auto op = journal_.rbegin(); op != journal_.rend(); ++op) {
    switch (op->kind) {
      case Op::kAllocate: {
        int64_t* amounts = mutable_free(op->group);
        for (const auto& [id, amount] : op->shape.items()) amounts[id] += amount.units() * op->times;
        groups_[op->group].used = op->was_used;
        break;
      }
      case Op::kSplit:
        groups_.pop_back();
        free_.resize(free_.size() - num_resources_);
        groups_[op->group].count += op->times;
        break;
      case Op::kAdd:
        groups_.pop_back();
        free_.resize(free_.size() - num_resources_);
        break;
    }
  }
  bound_ = saved_bound_;
  RebuildLive();
  Commit();
}

void CapacityPool::Commit() {
  journaling_ = false;
  journal_.clear();
}

}  // namespace autoscaler_internal
}  // namespace photon
