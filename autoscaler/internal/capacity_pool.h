#pragma once

// CapacityPool: the free capacity Decide() bin-packs onto, as groups of
// identical nodes (same type, same free amounts). A running node is a group
// of one; fifty new nodes of one type launched for one shape are one group
// until something packs onto part of them, when the group splits. Packing
// 100,000 tasks onto thousands of new nodes so touches a few groups.
//
// Amounts are dense FixedPoint units over the resources the decision cares
// about (ids 0..num_resources-1 from the decision's own ResourceNames);
// requests are sparse (scheduler::ResourceRequest).
//
//   CapacityPool pool(names.size());
//   pool.Add(/*type=*/0, /*node=*/-1, /*count=*/3, type_total.data());
//   int64_t placed = pool.Place(shape, 10);   // first fit, many per node
//
// Changes may be journaled and rolled back (a placement group is all or
// nothing): Begin(), ..., then Rollback() or Commit().
//
// Thread-compatible.

#include <cstdint>
#include <utility>
#include <vector>

#include "scheduler/resource_request.h"

namespace photon {
namespace autoscaler_internal {

using scheduler::ResourceRequest;

// How many `shape`s fit in `free` (dense amounts), at most `limit`; `limit`
// for an empty shape.
int64_t FitCount(const int64_t* free, const ResourceRequest& shape, int64_t limit);

class CapacityPool {
 public:
  struct Group {
    int type = -1;      // index into the config's node types; -1 unknown
    int node = -1;      // index into ScalingInput::nodes; -1 for a new node
    int64_t count = 0;  // identical nodes in this group
    bool used = false;  // something was packed onto it (a node to keep)
  };

  explicit CapacityPool(int num_resources) : num_resources_(num_resources), bound_(num_resources, 0) {}

  // REQUIRES: `free` has num_resources amounts.
  int Add(int type, int node, int64_t count, const int64_t* free);

  int size() const { return static_cast<int>(groups_.size()); }
  const Group& group(int i) const { return groups_[i]; }
  const int64_t* free(int i) const { return &free_[static_cast<size_t>(i) * num_resources_]; }

  // How many `shape`s fit on one node of group i (capped at `limit`).
  int64_t FitCount(int i, const ResourceRequest& shape, int64_t limit) const;
  bool Fits(int i, const ResourceRequest& shape) const { return FitCount(i, shape, 1) == 1; }
  // False when no node of the pool can hold `shape` (a cheap upper-bound test;
  // true does not promise a fit).
  bool MayFit(const ResourceRequest& shape) const;

  // `floor[r]` > 0: every shape this pool will be asked to hold needs at
  // least that much of resource r. A group with less of some r can never
  // take anything; Place skips it from then on (it stays in the pool).
  void SetFloor(const std::vector<int64_t>& floor);

  // Packs up to `count` shapes first fit, as many per node as fit; returns
  // how many were placed.
  int64_t Place(const ResourceRequest& shape, int64_t count);
  // Takes `times` x `shape` from every node of group i.
  // REQUIRES: FitCount(i, shape, times) == times.
  void Allocate(int i, const ResourceRequest& shape, int64_t times);
  // Moves `k` nodes of group i into a group of their own; returns its index
  // (i itself when k is the whole group). REQUIRES: 0 < k <= count.
  int Split(int i, int64_t k);

  // Journaling for all-or-nothing placement. One level: no nesting.
  void Begin();
  void Rollback();
  void Commit();

 private:
  struct Op {
    enum Kind { kAllocate, kSplit, kAdd } kind;
    int group;
    int64_t times;          // kAllocate: times; kSplit: nodes split off
    bool was_used;          // kAllocate
    ResourceRequest shape;  // kAllocate
  };
  int64_t* mutable_free(int i) { return &free_[static_cast<size_t>(i) * num_resources_]; }
  bool Dead(int i) const;
  void RebuildLive();

  const int num_resources_;
  std::vector<Group> groups_;
  std::vector<int64_t> free_;                   // [group * num_resources_ + resource], FixedPoint units
  std::vector<int64_t> bound_;                  // >= every live group's free amount, per resource
  std::vector<std::pair<int, int64_t>> floor_;  // (resource, least any shape asks)
  std::vector<int> live_;                       // groups Place scans, in first-fit order
  std::vector<int64_t> scratch_;
  bool journaling_ = false;
  std::vector<Op> journal_;
  std::vector<int64_t> saved_bound_;
};

}  // namespace autoscaler_internal
}  // namespace photon
