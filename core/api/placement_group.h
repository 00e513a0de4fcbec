#pragma once
// Placement groups: bundles of resources reserved together across nodes.
//
//   photon::PlacementGroup pg = photon::CreatePlacementGroup(
//       {{{"CPU", 1}}, {{"CPU", 1}}}, photon::PlacementStrategy::kStrictSpread);
//   if (!pg.Wait(10000)) { ... }                   // every bundle reserved?
//   auto r = photon::Task(Work)
//                .SetSchedulingStrategy(photon::SchedulingStrategy::PlacementGroup(pg, /*bundle=*/0))
//                .Remote();
//   photon::RemovePlacementGroup(pg);
//
// PACK puts bundles on as few nodes as it can, SPREAD on as many, STRICT_PACK
// on exactly one, STRICT_SPREAD each on a different one. A group that does
// not fit yet waits (Wait returns false meanwhile) and is placed when room
// appears or a node joins. A task or actor scheduled into a group that is
// not placed yet waits for it at Remote.
#include <map>
#include <string>
#include <vector>

#include "core/common/id.h"

namespace photon {

enum class PlacementStrategy { kPack, kSpread, kStrictPack, kStrictSpread };

class PlacementGroup {
 public:
  PlacementGroup() = default;
  explicit PlacementGroup(const PlacementGroupID& id) : id_(id) {}
  const PlacementGroupID& ID() const { return id_; }
  // True once every bundle has been reserved (known from the creation reply
  // when it was placed at once); false after `timeout_ms` (-1: no limit).
  bool Wait(int64_t timeout_ms) const;
  // The node (hex) holding each bundle; empty for bundles not placed.
  std::vector<std::string> BundleNodes() const;

 private:
  PlacementGroupID id_;
};

// Returns at once; throws photon::Error for no bundles. What the GCS refuses
// (a taken name, a bundle asking for nothing or a negative amount) is
// thrown by the group's Wait, BundleNodes and RemovePlacementGroup.
PlacementGroup CreatePlacementGroup(const std::vector<std::map<std::string, double>>& bundles,
                                    PlacementStrategy strategy = PlacementStrategy::kPack,
                                    const std::string& name = "", bool detached = false);
void RemovePlacementGroup(const PlacementGroup& group);
// Throws photon::Error when no group has that name in this job's namespace.
PlacementGroup GetPlacementGroup(const std::string& name);

}  // namespace photon
