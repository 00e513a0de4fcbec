#include "raylet/bundle_reservations.h"

#include <string>
#include <utility>
#include <vector>

namespace photon {
namespace raylet {
namespace {

using scheduler::ResourceRequest;

// Every amount in `need` is at most `limit - used`.
bool FitsIn(const ResourceRequest& need, const ResourceRequest& used, const ResourceRequest& limit) {
  for (const auto& [id, amount] : need.items()) {
    if (used.Get(id) + amount > limit.Get(id)) return false;
  }
  return true;
}

ResourceRequest Plus(ResourceRequest a, const ResourceRequest& b) {
  for (const auto& [id, amount] : b.items()) a.Set(id, a.Get(id) + amount);
  return a;
}

// Amounts at or below zero drop out (ResourceRequest::Set).
ResourceRequest Minus(ResourceRequest a, const ResourceRequest& b) {
  for (const auto& [id, amount] : b.items()) a.Set(id, a.Get(id) - amount);
  return a;
}

std::string BundleName(const PlacementGroupID& group, int bundle_index) {
  return "bundle " + std::to_string(bundle_index) + " of placement group " + group.Hex();
}

}  // namespace

absl::Status BundleReservations::Prepare(const PlacementGroupID& group, int bundle_index,
                                         const ResourceRequest& resources) {
  if (bundle_index < 0) return absl::InvalidArgumentError("negative bundle index " + std::to_string(bundle_index));
  if (const Bundle* known = Find(group, bundle_index)) {
    if (known->state == State::kReturning) {
      return absl::FailedPreconditionError(BundleName(group, bundle_index) + " is being returned");
    }
    if (known->reserved == resources) return absl::OkStatus();
    return absl::AlreadyExistsError(BundleName(group, bundle_index) + " is already prepared with " +
                                    Describe(known->reserved) + ", not " + Describe(resources));
  }
  if (!view_.Feasible(local_node_, resources)) {
    return absl::FailedPreconditionError(BundleName(group, bundle_index) + " needs " + Describe(resources) +
                                         ", more than this node has in total");
  }
  if (!view_.Fits(local_node_, resources)) {
    ResourceRequest available;
    for (const auto& item : resources.items()) available.Set(item.first, view_.Available(local_node_, item.first));
    return absl::UnavailableError(BundleName(group, bundle_index) + " needs " + Describe(resources) +
                                  "; this node has " + Describe(available) + " available");
  }
  view_.Allocate(local_node_, resources);
  groups_[group][bundle_index] = Bundle{State::kPrepared, resources, {}};
  return absl::OkStatus();
}

absl::Status BundleReservations::Commit(const PlacementGroupID& group, int bundle_index) {
  Bundle* bundle = Find(group, bundle_index);
  if (bundle == nullptr) return absl::NotFoundError(BundleName(group, bundle_index) + " was never prepared here");
  if (bundle->state == State::kReturning) {
    return absl::FailedPreconditionError(BundleName(group, bundle_index) + " is being returned");
  }
  bundle->state = State::kCommitted;
  return absl::OkStatus();
}

absl::Status BundleReservations::Cancel(const PlacementGroupID& group, int bundle_index) {
  if (Find(group, bundle_index) == nullptr) {
    return absl::NotFoundError(BundleName(group, bundle_index) + " is not reserved here");
  }
  GiveBack(group, bundle_index);
  return absl::OkStatus();
}

absl::Status BundleReservations::Return(const PlacementGroupID& group) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return absl::NotFoundError("placement group " + group.Hex() + " has no bundle here");
  std::vector<int> indices;
  for (const auto& entry : it->second) indices.push_back(entry.first);
  for (int index : indices) GiveBack(group, index);  // may erase the group
  return absl::OkStatus();
}

absl::StatusOr<int> BundleReservations::Acquire(const PlacementGroupID& group, int bundle_index,
                                                const ResourceRequest& resources) {
  auto it = groups_.find(group);
  if (it == groups_.end()) return absl::NotFoundError("placement group " + group.Hex() + " has no bundle here");
  if (bundle_index == kAnyBundle) return AcquireAny(group, it->second, resources);
  Bundle* bundle = Find(group, bundle_index);
  if (bundle == nullptr) return absl::NotFoundError(BundleName(group, bundle_index) + " is not reserved here");
  const std::string name = BundleName(group, bundle_index);
  if (bundle->state == State::kReturning) return absl::FailedPreconditionError(name + " is being returned");
  if (!FitsIn(resources, {}, bundle->reserved)) {
    return absl::InvalidArgumentError(Describe(resources) + " can never fit in " + name + ", which holds " +
                                      Describe(bundle->reserved));
  }
  if (bundle->state == State::kPrepared) return absl::UnavailableError(name + " is not committed yet");
  if (!FitsIn(resources, bundle->in_use, bundle->reserved)) {
    return absl::UnavailableError(name + " has " + Describe(Minus(bundle->reserved, bundle->in_use)) + " free, not " +
                                  Describe(resources));
  }
  bundle->in_use = Plus(bundle->in_use, resources);
  return bundle_index;
}

absl::StatusOr<int> BundleReservations::AcquireAny(const PlacementGroupID& group, Bundles& bundles,
                                                   const ResourceRequest& resources) {
  bool could_fit_later = false;
  bool all_returning = true;
  for (auto& [index, bundle] : bundles) {
    if (bundle.state == State::kReturning) continue;
    all_returning = false;
    if (!FitsIn(resources, {}, bundle.reserved)) continue;
    if (bundle.state == State::kCommitted && FitsIn(resources, bundle.in_use, bundle.reserved)) {
      bundle.in_use = Plus(bundle.in_use, resources);
      return index;
    }
    could_fit_later = true;
  }
  const std::string name = "placement group " + group.Hex();
  if (could_fit_later) return absl::UnavailableError("no bundle of " + name + " has " + Describe(resources) + " free");
  if (all_returning) return absl::FailedPreconditionError(name + " is being returned");
  return absl::InvalidArgumentError(Describe(resources) + " can never fit in any bundle of " + name + " here");
}

absl::Status BundleReservations::Release(const PlacementGroupID& group, int bundle_index,
                                         const ResourceRequest& resources) {
  Bundle* bundle = Find(group, bundle_index);
  if (bundle == nullptr) return absl::NotFoundError(BundleName(group, bundle_index) + " is not reserved here");
  if (!FitsIn(resources, {}, bundle->in_use)) {
    return absl::InvalidArgumentError("releasing " + Describe(resources) + " to " + BundleName(group, bundle_index) +
                                      " but its tasks hold " + Describe(bundle->in_use));
  }
  bundle->in_use = Minus(bundle->in_use, resources);
  if (bundle->state == State::kReturning) {
    view_.Free(local_node_, resources);
    EraseIfDone(group, bundle_index);
  }
  return absl::OkStatus();
}

BundleReservations::State BundleReservations::GetState(const PlacementGroupID& group, int bundle_index) const {
  const Bundle* bundle = Find(group, bundle_index);
  return bundle == nullptr ? State::kNone : bundle->state;
}

ResourceRequest BundleReservations::PoolAvailable(const PlacementGroupID& group, int bundle_index) const {
  const Bundle* bundle = Find(group, bundle_index);
  if (bundle == nullptr || bundle->state != State::kCommitted) return {};
  return Minus(bundle->reserved, bundle->in_use);
}

size_t BundleReservations::num_bundles() const {
  size_t n = 0;
  for (const auto& entry : groups_) n += entry.second.size();
  return n;
}

const BundleReservations::Bundle* BundleReservations::Find(const PlacementGroupID& group, int bundle_index) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return nullptr;
  auto b = it->second.find(bundle_index);
  return b == it->second.end() ? nullptr : &b->second;
}

BundleReservations::Bundle* BundleReservations::Find(const PlacementGroupID& group, int bundle_index) {
  return const_cast<Bundle*>(std::as_const(*this).Find(group, bundle_index));
}

void BundleReservations::GiveBack(const PlacementGroupID& group, int bundle_index) {
  Bundle* bundle = Find(group, bundle_index);
  if (bundle->state == State::kReturning) return;
  view_.Free(local_node_, Minus(bundle->reserved, bundle->in_use));
  bundle->state = State::kReturning;
  EraseIfDone(group, bundle_index);
}

void BundleReservations::EraseIfDone(const PlacementGroupID& group, int bundle_index) {
  auto it = groups_.find(group);
  if (!it->second.at(bundle_index).in_use.empty()) return;
  it->second.erase(bundle_index);
  if (it->second.empty()) groups_.erase(it);
}

std::string BundleReservations::Describe(const ResourceRequest& resources) const {
  return resources.DebugString(view_.names());
}

}  // namespace raylet
}  // namespace photon
