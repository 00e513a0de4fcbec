#include "scheduler/gpu_instances.h"

namespace photon {
namespace scheduler {

namespace {
const FixedPoint kOne = FixedPoint::FromUnits(FixedPoint::kScale);
}  // namespace

GpuInstances::GpuInstances(int num_gpus) : free_(static_cast<size_t>(num_gpus), kOne) {}

std::optional<std::vector<int>> GpuInstances::Allocate(FixedPoint amount) {
  if (amount.units() <= 0) return std::vector<int>();
  if (amount < kOne) {
    int best = -1;
    for (int i = 0; i < size(); i++) {
      if (free_[i] >= amount && (best < 0 || free_[i] < free_[best])) best = i;
    }
    if (best < 0) return std::nullopt;
    free_[best] -= amount;
    return std::vector<int>{best};
  }
  if (amount.units() % FixedPoint::kScale != 0) return std::nullopt;
  const int64_t wanted = amount.units() / FixedPoint::kScale;
  std::vector<int> ids;
  for (int i = 0; i < size() && static_cast<int64_t>(ids.size()) < wanted; i++) {
    if (free_[i] == kOne) ids.push_back(i);
  }
  if (static_cast<int64_t>(ids.size()) < wanted) return std::nullopt;
  for (int i : ids) free_[i] = FixedPoint();
  return ids;
}

void GpuInstances::Free(const std::vector<int>& ids, FixedPoint amount) {
  const FixedPoint each = amount < kOne ? amount : kOne;
  for (int i : ids) {
    free_[i] += each;
    if (free_[i] > kOne) free_[i] = kOne;
  }
}

std::string GpuInstances::VisibleDevices(const std::vector<int>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); i++) out += (i ? "," : "") + std::to_string(ids[i]);
  return out;
}

}  // namespace scheduler
}  // namespace photon
