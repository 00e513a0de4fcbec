#pragma once

// BundleReservations: this node's share of placement groups, reserved with
// the GCS's two-phase commit and then drawn on by the group's tasks.
//
// A bundle goes through:
//   Prepare  its resources leave the node's available amounts (so ordinary
//            leases cannot take them) and are held for the bundle;
//   Commit   the bundle becomes a pool that tasks of the group draw from
//            (Acquire) and give back to (Release);
//   Cancel / Return
//            the bundle's resources go back to the node: Cancel one bundle
//            (a 2PC abort, prepared or committed), Return every bundle of a
//            group (it was removed).
// Returning kills nothing. What tasks still hold from a returned bundle
// stays charged to the node until they Release it; then it goes to the node
// instead of the pool. The caller is expected to stop those tasks (Ray kills
// the workers of a removed group), so the node is never over-committed.
//
// The GCS may retry a call: preparing a bundle again with the same
// resources and committing a committed bundle are OK; cancelling or
// returning what was already given back is NotFound (harmless).
//
//   BundleReservations bundles(view, local_index);
//   RETURN_IF_ERROR(bundles.Prepare(group, 0, ResourceRequest::FromMap({{"CPU", 2}}, names)));
//   RETURN_IF_ERROR(bundles.Commit(group, 0));
//   ASSIGN_OR_RETURN(int bundle, bundles.Acquire(group, kAnyBundle, one_cpu));
//   ...  // the task runs
//   RETURN_IF_ERROR(bundles.Release(group, bundle, one_cpu));
//   RETURN_IF_ERROR(bundles.Return(group));
//
// Pure bookkeeping over the view (no I/O); runs only on the raylet loop.

#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "scheduler/cluster_resource_view.h"
#include "scheduler/resource_request.h"

namespace photon {
namespace raylet {

// Acquire's bundle_index for "whichever bundle of the group fits".
inline constexpr int kAnyBundle = -1;

class BundleReservations {
 public:
  enum class State {
    kNone,       // unknown here
    kPrepared,   // resources reserved, not usable yet
    kCommitted,  // a pool for the group's tasks
    kReturning,  // given back; tasks still hold some of it
  };

  // `view` must outlive this; `local_node` is this node's index in it.
  BundleReservations(scheduler::ClusterResourceView& view, int local_node) : view_(view), local_node_(local_node) {}

  // Reserves `resources` from the node for the bundle. OK again for the same
  // bundle and resources. InvalidArgument for a negative index; AlreadyExists
  // when the bundle is known with other resources; FailedPrecondition when it
  // is being returned, or the node can never hold `resources`; Unavailable
  // when they are busy now.
  absl::Status Prepare(const PlacementGroupID& group, int bundle_index, const scheduler::ResourceRequest& resources);
  // Makes a prepared bundle usable (OK when already committed). NotFound when
  // never prepared; FailedPrecondition when being returned.
  absl::Status Commit(const PlacementGroupID& group, int bundle_index);
  // Gives one bundle back to the node. NotFound when unknown.
  absl::Status Cancel(const PlacementGroupID& group, int bundle_index);
  // Gives every bundle of the group back to the node. NotFound when the node
  // holds no bundle of the group.
  absl::Status Return(const PlacementGroupID& group);

  // Takes `resources` from a committed bundle of the group: `bundle_index`,
  // or the lowest-indexed one they fit in when kAnyBundle. Returns the bundle
  // index to hand to Release. NotFound for an unknown group or bundle;
  // Unavailable when they could fit later (busy, or not committed yet);
  // InvalidArgument when no such bundle can ever hold them;
  // FailedPrecondition when the bundle (every bundle) is being returned.
  absl::StatusOr<int> Acquire(const PlacementGroupID& group, int bundle_index,
                              const scheduler::ResourceRequest& resources);
  // Gives back what Acquire took: to the bundle's pool, or to the node once
  // the bundle was returned. NotFound for an unknown bundle; InvalidArgument
  // (changing nothing) when it gives back more than tasks hold.
  absl::Status Release(const PlacementGroupID& group, int bundle_index, const scheduler::ResourceRequest& resources);

  State GetState(const PlacementGroupID& group, int bundle_index) const;
  // The node holds at least one bundle of the group, in any state.
  bool HasGroup(const PlacementGroupID& group) const { return groups_.contains(group); }
  // What tasks can still draw from a committed bundle; empty otherwise.
  scheduler::ResourceRequest PoolAvailable(const PlacementGroupID& group, int bundle_index) const;
  // Bundles in any state but kNone.
  size_t num_bundles() const;

 private:
  struct Bundle {
    State state = State::kPrepared;
    scheduler::ResourceRequest reserved;  // taken from the node at Prepare
    scheduler::ResourceRequest in_use;    // held by tasks; never more than `reserved`
  };
  using Bundles = std::map<int, Bundle>;  // by bundle index

  // nullptr when unknown.
  const Bundle* Find(const PlacementGroupID& group, int bundle_index) const;
  Bundle* Find(const PlacementGroupID& group, int bundle_index);
  // Frees the unused part of the bundle to the node, marks it kReturning and
  // forgets it (and an empty group) when tasks hold nothing.
  void GiveBack(const PlacementGroupID& group, int bundle_index);
  void EraseIfDone(const PlacementGroupID& group, int bundle_index);
  absl::StatusOr<int> AcquireAny(const PlacementGroupID& group, Bundles& bundles,
                                 const scheduler::ResourceRequest& resources);
  std::string Describe(const scheduler::ResourceRequest& resources) const;

  scheduler::ClusterResourceView& view_;
  const int local_node_;
  absl::flat_hash_map<PlacementGroupID, Bundles> groups_;
};

}  // namespace raylet
}  // namespace photon
