#pragma once

// GpuInstances: which of a node's GPUs a lease holds, so the worker can be
// given CUDA_VISIBLE_DEVICES.
//
// A fractional request (under 1) shares one GPU: it goes to the busiest GPU
// that still has room, so whole GPUs stay free for whole requests. A request
// of 1 or more must be a whole number and takes that many fully free GPUs.
//
//   GpuInstances gpus(4);
//   std::optional<std::vector<int>> ids = gpus.Allocate(FixedPoint::FromDouble(2));  // e.g. {0, 1}
//   gpus.Free(*ids, FixedPoint::FromDouble(2));
//
// Thread-compatible.

#include <optional>
#include <string>
#include <vector>

#include "scheduler/fixed_point.h"

namespace photon {
namespace scheduler {

class GpuInstances {
 public:
  explicit GpuInstances(int num_gpus);

  // nullopt when it does not fit now (or is a non-whole amount above 1).
  std::optional<std::vector<int>> Allocate(FixedPoint amount);
  // REQUIRES: `ids` and `amount` came from one Allocate.
  void Free(const std::vector<int>& ids, FixedPoint amount);

  FixedPoint available(int gpu) const { return free_[gpu]; }
  int size() const { return static_cast<int>(free_.size()); }

  // "0,2" for CUDA_VISIBLE_DEVICES.
  static std::string VisibleDevices(const std::vector<int>& ids);

 private:
  std::vector<FixedPoint> free_;
};

}  // namespace scheduler
}  // namespace photon
