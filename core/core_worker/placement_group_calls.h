#pragma once
// PlacementGroupCalls: creating, waiting for, finding and removing placement
// groups, and pointing tasks and actors at a group's bundle (DESIGN.md,
// Placement groups).
//
// A creation is sent to the GCS without waiting for its answer, so a batch
// of groups is created at the GCS's pace, not one round trip each; what the
// GCS answers (a taken name, a bad bundle) comes back from Wait, Get and
// Remove of that group, and from submitting into it.
//
// A task into a group that is not placed yet does not block its caller:
// LocateBundle waits on the loop for the group to be placed (the GCS holds
// each call up to 10 s, so a restarted GCS is noticed), then names the
// bundle's node. Actors into a group are placed by the GCS itself.
//
//   ASSIGN_OR_RETURN(PlacementGroupID pg, groups.Create({{{"CPU", 1}}}, rpc::PACK, "", false));
//   ASSIGN_OR_RETURN(bool ready, groups.Wait(pg, std::chrono::seconds(30)));
//   RETURN_IF_ERROR(groups.AwaitCreated(strategy));   // before submitting into it
//   groups.LocateBundle(strategy, [](absl::StatusOr<std::string> node) { ... });  // on the loop
//
// Thread-safe (user threads; Wait and AwaitCreated block; LocateBundle and
// StateOf answer on the loop).
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/common/event_loop.h"
#include "core/core_worker/worker_identity.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/async_gcs_client.h"

namespace photon {
namespace core {

class PlacementGroupCalls {
 public:
  struct Deps {
    const WorkerIdentity& self;
    gcs::GcsClient& gcs;
    // Creations are sent without waiting.
    gcs::AsyncGcsClient& async_gcs;
    // The loop async_gcs answers on (LocateBundle's retries wait on it).
    EventLoop& loop;
    const std::atomic<bool>& shut_down;
  };

  explicit PlacementGroupCalls(Deps deps) : deps_(deps) {}

  absl::StatusOr<PlacementGroupID> Create(const std::vector<std::map<std::string, double>>& bundles,
                                          rpc::PlacementStrategy strategy, const std::string& name, bool detached);
  absl::Status Remove(const PlacementGroupID& id);
  // By id, or (id nil) by name in this job's namespace.
  absl::StatusOr<rpc::PlacementGroupTableData> Get(const PlacementGroupID& id, const std::string& name = "");
  // True once every bundle is reserved; false when `timeout` passed first
  // (negative: no limit). NotFound / FailedPrecondition for an unknown or
  // removed group.
  absl::StatusOr<bool> Wait(const PlacementGroupID& id, std::chrono::milliseconds timeout);
  // For a PLACEMENT_GROUP strategy: waits for the GCS's answer to this
  // process's creation of the group (not for its placement) and returns
  // its error, so nothing is submitted into a group the GCS refused or has
  // not heard of yet. OK for other strategies.
  absl::Status AwaitCreated(const rpc::LeaseSchedulingStrategy& strategy);
  using NodeDone = std::function<void(absl::StatusOr<std::string>)>;
  // `done` (on the loop) gets the node id (bytes) of the strategy's bundle
  // once the group is placed (bundle -1: the group's bundles in turn);
  // FailedPrecondition when the group is (or gets) removed, NotFound when
  // the GCS does not know it, InvalidArgument for a bundle it lacks.
  // An unreachable GCS is tried again each second for a minute.
  void LocateBundle(const rpc::LeaseSchedulingStrategy& strategy, NodeDone done);
  // The group's state as the GCS has it now (on the loop).
  void StateOf(const PlacementGroupID& id, std::function<void(absl::StatusOr<rpc::PlacementGroupState>)> done);

  // Failures a placement group task meets when its group is removed.
  static bool IsRemoved(const absl::Status& status) { return absl::IsFailedPrecondition(status); }

 private:
  // One LocateBundle round: wait up to 10 s for the group, then look it up.
  void WaitRound(const PlacementGroupID& id, int bundle_index, int failures, NodeDone done);
  void PickNode(const PlacementGroupID& id, int bundle_index, int failures, NodeDone done);
  // An unreachable GCS: `again` runs in a second, or `done` fails after a minute of it.
  bool RetryLater(const absl::Status& status, int failures, std::function<void()> again);

  using Answer = std::shared_future<absl::StatusOr<rpc::PlacementGroupState>>;

  // The GCS's answer to this process's creation of `id` (OK(PG_PENDING) for
  // groups made elsewhere), once it came.
  absl::StatusOr<rpc::PlacementGroupState> AwaitCreation(const PlacementGroupID& id);

  const Deps deps_;
  std::atomic<uint32_t> next_bundle_{0};
  absl::Mutex mu_;
  // Groups this process created, by the GCS's answer to the creation:
  // PG_CREATED, PG_PENDING, or an error.
  absl::flat_hash_map<PlacementGroupID, Answer> created_ ABSL_GUARDED_BY(mu_);
};

}  // namespace core
}  // namespace photon
