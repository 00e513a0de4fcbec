#include "autoscaler/internal/launch_plan.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "autoscaler/internal/capacity_pool.h"

namespace photon {
namespace autoscaler_internal {

using scheduler::FixedPoint;

LaunchPlan::LaunchPlan(const autoscaler::AutoscalerConfig& config, ResourceNames& names, LaunchLimits limits)
    : config_(config), limits_(std::move(limits)), launched_(config.node_types.size(), 0) {
  limits_.workers_by_type.resize(config.node_types.size(), 0);
  for (const autoscaler::NodeTypeConfig& type : config.node_types) {
    std::vector<int64_t> total(names.size(), 0);
    int offered = 0;
    for (const auto& [name, amount] : type.resources) {
      const int id = names.Find(name);
      if (id < 0 || id >= static_cast<int>(total.size())) continue;
      total[id] = FixedPoint::FromDouble(amount).units();
      if (total[id] > 0) offered++;
    }
    gpu_.push_back(total[scheduler::kGpu] > 0);
    totals_.push_back(std::move(total));
    num_resources_.push_back(std::max(offered, 1));
  }
}

std::vector<int> LaunchPlan::Eligible(const ResourceRequest& shape) const {
  const bool wants_gpu = shape.Get(scheduler::kGpu).units() > 0;
  std::vector<int> plain, gpu;
  for (int t = 0; t < num_types(); t++) {
    if (config_.node_types[t].max_workers <= 0 || FitCount(total(t), shape, 1) == 0) continue;
    (gpu_[t] && !wants_gpu ? gpu : plain).push_back(t);
  }
  return plain.empty() ? gpu : plain;
}

int64_t LaunchPlan::RoomUnderMax(int type) const {
  const int64_t type_room = config_.node_types[type].max_workers - limits_.workers_by_type[type] - launched_[type];
  const int64_t cluster_room = config_.max_workers - limits_.workers - launched_total_;
  return std::max<int64_t>(0, std::min(type_room, cluster_room));
}

int64_t LaunchPlan::Room(int type) const {
  return std::max<int64_t>(0, std::min(RoomUnderMax(type), limits_.cap_left - launched_total_));
}

LaunchPlan::Choice LaunchPlan::Choose(const std::vector<int>& eligible, const ResourceRequest& shape,
                                      int64_t count) const {
  Choice best;
  double best_waste = 0;
  for (int t : eligible) {
    if (Room(t) <= 0) continue;
    const int64_t k = FitCount(total(t), shape, count);
    if (k <= 0) continue;
    double used = 0;  // sum over the shape's resources of the used fraction
    for (const auto& [id, amount] : shape.items()) {
      used += static_cast<double>(amount.units()) * static_cast<double>(k) / static_cast<double>(total(t)[id]);
    }
    const double waste = 1.0 - used / num_resources_[t];
    const bool better = best.type < 0 || waste < best_waste - 1e-9 || (waste <= best_waste + 1e-9 && k > best.per_node);
    if (better) {
      best = Choice{t, k};
      best_waste = waste;
    }
  }
  return best;
}

bool LaunchPlan::CapReached(const std::vector<int>& eligible) const {
  if (limits_.cap_left - launched_total_ > 0) return false;
  return std::any_of(eligible.begin(), eligible.end(), [&](int t) { return RoomUnderMax(t) > 0; });
}

std::string LaunchPlan::WhyNoRoom(const std::vector<int>& eligible) const {
  if (eligible.empty()) return "no launchable node type holds it";
  if (CapReached(eligible)) return absl::StrCat("upscaling_speed: ", limits_.cap_text);
  if (config_.max_workers - limits_.workers - launched_total_ <= 0) {
    return absl::StrCat("cluster at max_workers ", config_.max_workers);
  }
  std::string why;
  for (int t : eligible) {
    absl::StrAppend(&why, why.empty() ? "" : "; ", config_.node_types[t].name, " at max_workers ",
                    config_.node_types[t].max_workers);
  }
  return why;
}

void LaunchPlan::Launch(int type, int64_t nodes) {
  launched_[type] += nodes;
  launched_total_ += nodes;
}

void LaunchPlan::Restore(const std::vector<int64_t>& saved) {
  launched_ = saved;
  launched_total_ = std::accumulate(launched_.begin(), launched_.end(), int64_t{0});
}

std::map<std::string, int> LaunchPlan::Result() const {
  std::map<std::string, int> result;
  for (int t = 0; t < num_types(); t++) {
    if (launched_[t] > 0) result[config_.node_types[t].name] = static_cast<int>(launched_[t]);
  }
  return result;
}

}  // namespace autoscaler_internal
}  // namespace photon
