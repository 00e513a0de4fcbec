#include "autoscaler/internal/gang_packer.h"

#include <algorithm>
#include <functional>
#include <optional>

namespace photon {
namespace autoscaler_internal {
namespace {

using autoscaler::GangStrategy;

struct Slot {
  int pool;   // 0 running, 1 launching, 2 opened
  int group;  // a group of one node once taken
  bool operator==(const Slot& o) const { return pool == o.pool && group == o.group; }
};

class GangPacker {
 public:
  GangPacker(Pools pools, LaunchPlan& plan) : pools_{pools.running, pools.launching, pools.opened}, plan_(plan) {}

  GangOutcome Run(const std::vector<ResourceRequest>& bundles, GangStrategy strategy) {
    for (CapacityPool* pool : pools_) pool->Begin();
    const std::vector<int64_t> saved = plan_.Save();
    bool placed = false;
    switch (strategy) {
      case GangStrategy::kStrictPack:
        placed = PlaceWhole(bundles);
        break;
      case GangStrategy::kPack:
        placed = PlaceWhole(bundles) || PlaceEach(bundles, strategy);
        break;
      case GangStrategy::kSpread:
      case GangStrategy::kStrictSpread:
        placed = PlaceEach(bundles, strategy);
        break;
    }
    outcome_.placed = placed;
    outcome_.partial = !placed && cap_blocked_ && !outcome_.new_nodes.empty();
    if (placed || outcome_.partial) {
      for (CapacityPool* pool : pools_) pool->Commit();
    } else {
      for (CapacityPool* pool : pools_) pool->Rollback();
      plan_.Restore(saved);
      outcome_.new_nodes.clear();
      outcome_.on_free = 0;
    }
    return outcome_;
  }

 private:
  // The first node, in pool order, where `shape` fits and `accept` holds.
  std::optional<Slot> Find(const ResourceRequest& shape, const std::function<bool(const Slot&)>& accept) const {
    for (int p = 0; p < 3; p++) {
      const CapacityPool& pool = *pools_[p];
      if (!pool.MayFit(shape)) continue;
      for (int g = 0; g < pool.size(); g++) {
        const Slot slot{p, g};
        if (pool.Fits(g, shape) && accept(slot)) return slot;
      }
    }
    return std::nullopt;
  }

  bool Used(const Slot& slot) const { return std::find(used_.begin(), used_.end(), slot) != used_.end(); }

  // A new node of the least wasteful type for `shape`, or nullopt (and why).
  std::optional<Slot> Open(const ResourceRequest& shape, int bundle) {
    const std::vector<int> eligible = plan_.Eligible(shape);
    const LaunchPlan::Choice choice = plan_.Choose(eligible, shape, 1);
    if (choice.type < 0) {
      outcome_.failed_bundle = bundle;
      outcome_.why = plan_.WhyNoRoom(eligible);
      cap_blocked_ = plan_.CapReached(eligible);
      return std::nullopt;
    }
    plan_.Launch(choice.type, 1);
    outcome_.new_nodes[choice.type]++;
    const Slot slot{2, pools_[2]->Add(choice.type, -1, 1, plan_.total(choice.type))};
    opened_here_.push_back(slot);
    return slot;
  }

  // One node of `slot`'s group, holding `shape` from now on.
  void Put(Slot slot, const ResourceRequest& shape, int64_t bundles) {
    slot.group = pools_[slot.pool]->Split(slot.group, 1);
    pools_[slot.pool]->Allocate(slot.group, shape, 1);
    if (!Used(slot)) used_.push_back(slot);
    if (std::find(opened_here_.begin(), opened_here_.end(), slot) == opened_here_.end()) outcome_.on_free += bundles;
  }

  bool PlaceWhole(const std::vector<ResourceRequest>& bundles) {
    ResourceRequest sum;
    for (const ResourceRequest& bundle : bundles) {
      for (const auto& [id, amount] : bundle.items()) sum.Set(id, sum.Get(id) + amount);
    }
    std::optional<Slot> slot = Find(sum, [](const Slot&) { return true; });
    if (!slot) slot = Open(sum, -1);
    if (!slot) return false;
    Put(*slot, sum, static_cast<int64_t>(bundles.size()));
    return true;
  }

  bool PlaceEach(const std::vector<ResourceRequest>& bundles, GangStrategy strategy) {
    const auto unused = [this](const Slot& s) { return !Used(s); };
    const auto used = [this](const Slot& s) { return Used(s); };
    const auto any = [](const Slot&) { return true; };
    for (size_t i = 0; i < bundles.size(); i++) {
      const ResourceRequest& bundle = bundles[i];
      std::optional<Slot> slot;
      switch (strategy) {
        case GangStrategy::kPack:
          slot = Find(bundle, used);
          if (!slot) slot = Find(bundle, any);
          break;
        case GangStrategy::kSpread:
          slot = Find(bundle, unused);
          if (!slot) slot = Find(bundle, any);
          break;
        case GangStrategy::kStrictSpread:
          slot = Find(bundle, unused);
          break;
        case GangStrategy::kStrictPack:
          break;
      }
      if (!slot) slot = Open(bundle, static_cast<int>(i));
      if (!slot) return false;
      Put(*slot, bundle, 1);
    }
    return true;
  }

  CapacityPool* const pools_[3];
  LaunchPlan& plan_;
  GangOutcome outcome_;
  std::vector<Slot> used_;         // nodes holding a bundle of the group
  std::vector<Slot> opened_here_;  // nodes opened for the group
  bool cap_blocked_ = false;
};

}  // namespace

GangOutcome PackGang(const std::vector<ResourceRequest>& bundles, autoscaler::GangStrategy strategy, Pools pools,
                     LaunchPlan& plan) {
  return GangPacker(pools, plan).Run(bundles, strategy);
}

}  // namespace autoscaler_internal
}  // namespace photon
