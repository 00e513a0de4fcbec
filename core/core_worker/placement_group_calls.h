#pragma once
// PlacementGroupCalls: creating, waiting for, finding and removing placement
// groups, and pointing tasks and actors at a group's bundle (DESIGN.md,
// Placement groups).
//
// A creation is sent to the GCS without waiting for its answer, so a batch
// of groups is created at the GCS's pace, not one round trip each; what the
// GCS answers (a taken name, a bad bundle) comes back from Wait, Get and
// Remove of that group.
//
//   ASSIGN_OR_RETURN(PlacementGroupID pg, groups.Create({{{"CPU", 1}}}, rpc::PACK, "", false));
//   ASSIGN_OR_RETURN(bool ready, groups.Wait(pg, std::chrono::seconds(30)));
//   RETURN_IF_ERROR(groups.ResolveBundleNode(&spec_strategy));   // before submitting into it
//
// Thread-safe (user threads; Wait and ResolveBundleNode block).
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
  // A PLACEMENT_GROUP strategy gets the node of its bundle (waiting for the
  // group to be placed; any bundle: spread over the group's nodes); other
  // strategies pass unchanged.
  absl::Status ResolveBundleNode(rpc::LeaseSchedulingStrategy* strategy);

 private:
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
