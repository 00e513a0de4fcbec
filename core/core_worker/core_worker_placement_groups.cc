// CoreWorker: placement groups, and tasks and actors scheduled into them.
#include <atomic>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/core_worker/core_worker.h"
#include "core/rpc/client_call.h"
#include "core/rpc/status_util.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace core {

absl::StatusOr<PlacementGroupID> CoreWorker::CreatePlacementGroup(
    const std::vector<std::map<std::string, double>>& bundles, rpc::PlacementStrategy strategy,
    const std::string& name, bool detached) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  if (bundles.empty()) return absl::InvalidArgumentError("a placement group needs at least one bundle");
  const PlacementGroupID id = PlacementGroupID::Of(job_);
  auto request = std::make_shared<rpc::CreatePlacementGroupRequest>();
  rpc::PlacementGroupTableData& data = *request->mutable_group();
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
  // Sent without waiting: a batch of groups is created at the GCS's pace,
  // not one round trip each. What the GCS answers (a taken name, a bad
  // bundle) comes back from Wait, Get and Remove of the group.
  auto answer = std::make_shared<std::promise<absl::StatusOr<rpc::PlacementGroupState>>>();
  {
    absl::MutexLock lock(&mu_);
    created_groups_[id] = answer->get_future().share();
  }
  rpc::PlacementGroupInfoGcsService::Stub* stub = placement_groups_.get();
  rpc::RetryPolicy policy;
  policy.attempt_timeout = std::chrono::seconds(30);
  policy.max_attempts = 1;  // not idempotent: a retry would find the group taken
  rpc::CallAsync<rpc::CreatePlacementGroupReply>(
      loop_, "CoreWorker.CreatePlacementGroup", options_.token, policy,
      [stub, request](grpc::ClientContext* ctx, rpc::CreatePlacementGroupReply* reply, auto on_done) {
        stub->async()->CreatePlacementGroup(ctx, request.get(), reply, std::move(on_done));
      },
      [answer](grpc::Status status, rpc::CreatePlacementGroupReply reply) {
        if (!status.ok()) {
          answer->set_value(rpc::FromGrpcStatus(status));
        } else {
          answer->set_value(reply.state());
        }
      });
  return id;
}

absl::StatusOr<rpc::PlacementGroupState> CoreWorker::AwaitCreation(const PlacementGroupID& id) {
  std::shared_future<absl::StatusOr<rpc::PlacementGroupState>> answer;
  {
    absl::MutexLock lock(&mu_);
    auto it = created_groups_.find(id);
    if (it == created_groups_.end()) return rpc::PG_PENDING;
    answer = it->second;
  }
  return answer.get();
}

absl::Status CoreWorker::RemovePlacementGroup(const PlacementGroupID& id) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  absl::StatusOr<rpc::PlacementGroupState> created = AwaitCreation(id);
  {
    absl::MutexLock lock(&mu_);
    created_groups_.erase(id);
  }
  if (!created.ok()) return created.status();
  return gcs_->RemovePlacementGroup(id);
}

absl::StatusOr<rpc::PlacementGroupTableData> CoreWorker::GetPlacementGroup(const PlacementGroupID& id,
                                                                           const std::string& name) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  if (!id.IsNil()) RETURN_IF_ERROR(AwaitCreation(id).status());
  return gcs_->GetPlacementGroup(id, name, options_.namespace_name);
}

absl::StatusOr<bool> CoreWorker::WaitPlacementGroup(const PlacementGroupID& id, std::chrono::milliseconds timeout) {
  // Placed already when this process created it (the GCS said so).
  ASSIGN_OR_RETURN(rpc::PlacementGroupState created, AwaitCreation(id));
  if (created == rpc::PG_CREATED) return true;
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
