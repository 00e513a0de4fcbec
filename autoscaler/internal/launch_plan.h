#pragma once

// LaunchPlan: the node types one Decide() call may launch, the limits on
// them, and the launches decided so far.
//
// It answers two questions for a shape that found no free capacity: which
// types could hold it at all (Eligible: GPU types only when the shape asks
// for GPU, or when no other type can hold it), and which of those to open
// next (Choose: the one that wastes least, among those with room under
// their max_workers, the cluster's max_workers and the upscaling cap).
//
//   LaunchPlan plan(config, names, limits);
//   std::vector<int> types = plan.Eligible(shape);
//   LaunchPlan::Choice c = plan.Choose(types, shape, 40);
//   if (c.type >= 0) plan.Launch(c.type, 5);  else why = plan.WhyNoRoom(types);
//
// Thread-compatible.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "autoscaler/autoscaler_config.h"
#include "scheduler/resource_request.h"

namespace photon {
namespace autoscaler_internal {

using scheduler::ResourceNames;
using scheduler::ResourceRequest;

struct LaunchLimits {
  // Worker nodes now counted against max_workers, per config type and in all.
  std::vector<int64_t> workers_by_type;
  int64_t workers = 0;
  // New launches the upscaling cap still allows this round, and the cap
  // explained for messages ("at most 8 in flight = max(5, 1.0 x 8 running); 3 are").
  int64_t cap_left = 0;
  std::string cap_text;
};

class LaunchPlan {
 public:
  // REQUIRES: every resource of every node type is interned in `names`,
  // and names.size() stays the same for the plan's life.
  LaunchPlan(const autoscaler::AutoscalerConfig& config, ResourceNames& names, LaunchLimits limits);

  int num_types() const { return static_cast<int>(totals_.size()); }
  // Dense amounts of a node of `type` (names.size() of them).
  const int64_t* total(int type) const { return totals_[type].data(); }
  bool is_gpu(int type) const { return gpu_[type]; }

  // Types with max_workers > 0 that can hold `shape`: non-GPU types first
  // choice for a shape that asks for no GPU; GPU types only when no non-GPU
  // type can hold it. Limits reached so far do not matter here.
  std::vector<int> Eligible(const ResourceRequest& shape) const;

  // New nodes of `type` allowed now: under its max_workers, the cluster's
  // and the upscaling cap.
  int64_t Room(int type) const;

  struct Choice {
    int type = -1;         // -1: no eligible type has room
    int64_t per_node = 0;  // shapes one node of `type` holds, at most `count`
  };
  // The type among `eligible` with room whose node, filled with up to
  // `count` x `shape`, leaves the smallest mean unused fraction over its
  // resources; ties go to the type holding more, then to config order.
  Choice Choose(const std::vector<int>& eligible, const ResourceRequest& shape, int64_t count) const;
  // Why none of `eligible` has room: "cpu2 at max_workers 3; gpu1 at ...".
  std::string WhyNoRoom(const std::vector<int>& eligible) const;
  // True when the upscaling cap (not a max_workers) is what stops `eligible`.
  bool CapReached(const std::vector<int>& eligible) const;

  void Launch(int type, int64_t nodes);
  int64_t launched(int type) const { return launched_[type]; }
  int64_t launched_total() const { return launched_total_; }

  // For all-or-nothing placement: Save() then Restore() undoes Launch()es.
  std::vector<int64_t> Save() const { return launched_; }
  void Restore(const std::vector<int64_t>& saved);

  // type name -> nodes, for ScalingDecision::launch.
  std::map<std::string, int> Result() const;

 private:
  int64_t RoomUnderMax(int type) const;

  const autoscaler::AutoscalerConfig& config_;
  LaunchLimits limits_;
  std::vector<std::vector<int64_t>> totals_;  // [type][resource]
  std::vector<int> num_resources_;            // resources each type offers
  std::vector<bool> gpu_;
  std::vector<int64_t> launched_;
  int64_t launched_total_ = 0;
};

}  // namespace autoscaler_internal
}  // namespace photon
