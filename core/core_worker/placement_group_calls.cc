#include "core/core_worker/placement_group_calls.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/core_worker/errors.h"

namespace photon {
namespace core {

absl::StatusOr<PlacementGroupID> PlacementGroupCalls::Create(const std::vector<std::map<std::string, double>>& bundles,
                                                             rpc::PlacementStrategy strategy, const std::string& name,
                                                             bool detached) {
  if (deps_.shut_down) return ShutDownError();
  if (bundles.empty()) return absl::InvalidArgumentError("a placement group needs at least one bundle");
  const PlacementGroupID id = PlacementGroupID::Of(deps_.self.job);
  rpc::CreatePlacementGroupRequest request;
  rpc::PlacementGroupTableData& data = *request.mutable_group();
  data.set_placement_group_id(id.Binary());
  data.set_job_id(deps_.self.job.Binary());
  data.set_name(name);
  data.set_namespace_(deps_.self.namespace_name);
  data.set_strategy(strategy);
  data.set_detached(detached);
  for (const auto& bundle : bundles) {
    rpc::Bundle* b = data.add_bundles();
    for (const auto& [resource, amount] : bundle) (*b->mutable_resources()->mutable_amounts())[resource] = amount;
  }
  auto answer = std::make_shared<std::promise<absl::StatusOr<rpc::PlacementGroupState>>>();
  {
    absl::MutexLock lock(&mu_);
    created_[id] = answer->get_future().share();
  }
  deps_.async_gcs.CreatePlacementGroup(std::move(request),
                                       [answer](absl::StatusOr<rpc::CreatePlacementGroupReply> reply) {
                                         if (reply.ok()) {
                                           answer->set_value(reply->state());
                                         } else {
                                           answer->set_value(reply.status());
                                         }
                                       });
  return id;
}

absl::StatusOr<rpc::PlacementGroupState> PlacementGroupCalls::AwaitCreation(const PlacementGroupID& id) {
  Answer answer;
  {
    absl::MutexLock lock(&mu_);
    auto it = created_.find(id);
    if (it == created_.end()) return rpc::PG_PENDING;
    answer = it->second;
  }
  return answer.get();
}

absl::Status PlacementGroupCalls::Remove(const PlacementGroupID& id) {
  if (deps_.shut_down) return ShutDownError();
  absl::StatusOr<rpc::PlacementGroupState> created = AwaitCreation(id);
  {
    absl::MutexLock lock(&mu_);
    created_.erase(id);
  }
  if (!created.ok()) return created.status();
  return deps_.gcs.RemovePlacementGroup(id);
}

absl::StatusOr<rpc::PlacementGroupTableData> PlacementGroupCalls::Get(const PlacementGroupID& id,
                                                                      const std::string& name) {
  if (deps_.shut_down) return ShutDownError();
  if (!id.IsNil()) RETURN_IF_ERROR(AwaitCreation(id).status());
  return deps_.gcs.GetPlacementGroup(id, name, deps_.self.namespace_name);
}

absl::StatusOr<bool> PlacementGroupCalls::Wait(const PlacementGroupID& id, std::chrono::milliseconds timeout) {
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
    ASSIGN_OR_RETURN(bool ready, deps_.gcs.WaitPlacementGroupReady(id, round));
    if (ready) return true;
    if (timeout.count() >= 0 && std::chrono::steady_clock::now() >= deadline) return false;
  }
}

absl::Status PlacementGroupCalls::AwaitCreated(const rpc::LeaseSchedulingStrategy& strategy) {
  if (strategy.kind() != rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP) return absl::OkStatus();
  ASSIGN_OR_RETURN(PlacementGroupID id, PlacementGroupID::FromBinary(strategy.placement_group_id()));
  return AwaitCreation(id).status();
}

void PlacementGroupCalls::LocateBundle(const rpc::LeaseSchedulingStrategy& strategy, NodeDone done) {
  absl::StatusOr<PlacementGroupID> id = PlacementGroupID::FromBinary(strategy.placement_group_id());
  if (!id.ok()) return done(id.status());
  WaitRound(*id, strategy.bundle_index(), 0, std::move(done));
}

bool PlacementGroupCalls::RetryLater(const absl::Status& status, int failures, std::function<void()> again) {
  constexpr int kMaxFailures = 60;  // a minute of an unreachable GCS (Ray waits as long)
  const bool transient = absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
  if (!transient || failures >= kMaxFailures || deps_.shut_down) return false;
  deps_.loop.RunAfter("PlacementGroups.Retry", std::chrono::seconds(1), std::move(again));
  return true;
}

void PlacementGroupCalls::WaitRound(const PlacementGroupID& id, int bundle_index, int failures, NodeDone done) {
  if (deps_.shut_down) return done(ShutDownError());
  rpc::WaitPlacementGroupReadyRequest request;
  request.set_placement_group_id(id.Binary());
  request.set_timeout_ms(10000);
  deps_.async_gcs.WaitPlacementGroupReady(
      std::move(request),
      [this, id, bundle_index, failures, done](absl::StatusOr<rpc::WaitPlacementGroupReadyReply> reply) {
        if (!reply.ok()) {
          auto again = [this, id, bundle_index, failures, done] { WaitRound(id, bundle_index, failures + 1, done); };
          if (!RetryLater(reply.status(), failures, again)) done(reply.status());
          return;
        }
        if (!reply->ready()) return WaitRound(id, bundle_index, 0, done);
        PickNode(id, bundle_index, 0, done);
      });
}

void PlacementGroupCalls::PickNode(const PlacementGroupID& id, int bundle_index, int failures, NodeDone done) {
  rpc::GetPlacementGroupRequest request;
  request.set_placement_group_id(id.Binary());
  deps_.async_gcs.GetPlacementGroup(
      std::move(request), [this, id, bundle_index, failures, done](absl::StatusOr<rpc::GetPlacementGroupReply> reply) {
        if (!reply.ok()) {
          auto again = [this, id, bundle_index, failures, done] { PickNode(id, bundle_index, failures + 1, done); };
          if (!RetryLater(reply.status(), failures, again)) done(reply.status());
          return;
        }
        const rpc::PlacementGroupTableData& group = reply->group();
        if (group.state() == rpc::PG_REMOVED) {
          return done(absl::FailedPreconditionError("placement group " + id.Hex() + " was removed"));
        }
        if (bundle_index >= group.bundles_size()) {
          return done(absl::InvalidArgumentError(absl::StrCat("placement group ", id.Hex(), " has ",
                                                              group.bundles_size(), " bundles; there is no bundle ",
                                                              bundle_index)));
        }
        // Any bundle: spread the group's tasks over its bundles' nodes.
        const int index = bundle_index >= 0 ? bundle_index : static_cast<int>(next_bundle_++ % group.bundles_size());
        const std::string& node = group.bundles(index).node_id();
        // Placed a moment ago but lost since (its node died): wait again.
        if (node.empty()) return WaitRound(id, bundle_index, 0, done);
        done(node);
      });
}

void PlacementGroupCalls::StateOf(const PlacementGroupID& id,
                                  std::function<void(absl::StatusOr<rpc::PlacementGroupState>)> done) {
  rpc::GetPlacementGroupRequest request;
  request.set_placement_group_id(id.Binary());
  deps_.async_gcs.GetPlacementGroup(std::move(request),
                                    [done](absl::StatusOr<rpc::GetPlacementGroupReply> reply) {
                                      if (!reply.ok()) return done(reply.status());
                                      done(reply->group().state());
                                    });
}

}  // namespace core
}  // namespace photon
