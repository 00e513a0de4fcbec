// CoreWorker: placement groups, and tasks and actors scheduled into them.
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/core_worker/core_worker.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace core {

absl::StatusOr<PlacementGroupID> CoreWorker::CreatePlacementGroup(
    const std::vector<std::map<std::string, double>>& bundles, rpc::PlacementStrategy strategy,
    const std::string& name, bool detached) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  const PlacementGroupID id = PlacementGroupID::Of(job_);
  rpc::PlacementGroupTableData data;
  data.set_placement_group_id(id.Binary());
  data.set_job_id(job_.Binary());
  data.set_name(name);
  data.set_namespace_(options_.namespace_name);
  data.set_strategy(strategy);
  data.set_detached(detached);
  for (const auto& bundle : bundles) {
    rpc::Bundle* b = data.add_bundles();
    for (const auto& [resource, amount] : bundle) (*b->mutable_resources()->mutable_amounts())[resource] = amount;
  }
  RETURN_IF_ERROR(gcs_->CreatePlacementGroup(data));
  return id;
}

absl::Status CoreWorker::RemovePlacementGroup(const PlacementGroupID& id) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  return gcs_->RemovePlacementGroup(id);
}

absl::StatusOr<rpc::PlacementGroupTableData> CoreWorker::GetPlacementGroup(const PlacementGroupID& id,
                                                                           const std::string& name) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  return gcs_->GetPlacementGroup(id, name, options_.namespace_name);
}

absl::StatusOr<bool> CoreWorker::WaitPlacementGroup(const PlacementGroupID& id, std::chrono::milliseconds timeout) {
  // The GCS holds each call until the group is placed (rounds of at most
  // 10 s, so a restarted GCS is noticed).
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::chrono::milliseconds round(10000);
    if (timeout.count() >= 0) {
      round = std::min(round, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  deadline - std::chrono::steady_clock::now()));
      round = std::max(round, std::chrono::milliseconds(0));
    }
    ASSIGN_OR_RETURN(bool ready, gcs_->WaitPlacementGroupReady(id, round));
    if (ready) return true;
    if (timeout.count() >= 0 && std::chrono::steady_clock::now() >= deadline) return false;
  }
}

absl::Status CoreWorker::ResolveBundleNode(rpc::LeaseSchedulingStrategy* strategy) {
  if (strategy->kind() != rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP) return absl::OkStatus();
  ASSIGN_OR_RETURN(PlacementGroupID id, PlacementGroupID::FromBinary(strategy->placement_group_id()));
  // Tasks of a group not placed yet wait for it (as in Ray).
  ASSIGN_OR_RETURN(bool ready, WaitPlacementGroup(id, std::chrono::milliseconds(-1)));
  (void)ready;
  ASSIGN_OR_RETURN(rpc::PlacementGroupTableData group, gcs_->GetPlacementGroup(id));
  const int index = strategy->bundle_index();
  if (index >= group.bundles_size()) {
    return absl::InvalidArgumentError(absl::StrCat("placement group ", id.Hex(), " has ", group.bundles_size(),
                                                   " bundles; there is no bundle ", index));
  }
  if (index >= 0) {
    strategy->set_node_id(group.bundles(index).node_id());
    return absl::OkStatus();
  }
  // Any bundle: spread the group's tasks over its bundles' nodes.
  static std::atomic<uint32_t> next{0};
  strategy->set_node_id(group.bundles(next++ % group.bundles_size()).node_id());
  return absl::OkStatus();
}

}  // namespace core
}  // namespace photon
