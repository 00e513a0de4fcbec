#include "gcs/autoscaler_state_service.h"

#include <nlohmann/json.hpp>

namespace photon {
namespace gcs {
namespace {

// "[{"CPU": 2}, {"GPU": 1}]" -> ResourceSets; what is malformed is left out.
std::vector<rpc::ResourceSet> ParseConstraints(const std::string& text) {
  std::vector<rpc::ResourceSet> out;
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_array()) return out;
  for (const nlohmann::json& bundle : json) {
    if (!bundle.is_object()) continue;
    rpc::ResourceSet set;
    for (auto& [name, amount] : bundle.items()) {
      if (amount.is_number() && amount.get<double>() > 0) (*set.mutable_amounts())[name] = amount.get<double>();
    }
    if (!set.amounts().empty()) out.push_back(std::move(set));
  }
  return out;
}

}  // namespace

absl::Status AutoscalerStateService::Fill(rpc::GetClusterStatusReply* out) {
  for (rpc::GcsNodeInfo& node : nodes_.All()) *out->add_nodes() = std::move(node);
  for (rpc::ResourceUsage& usage : resources_.All()) *out->add_usages() = std::move(usage);
  const rpc::GetAllPlacementGroupReply groups = groups_.GetAll(0);  // (kept: the loop reads into it)
  for (const rpc::PlacementGroupTableData& group : groups.groups()) {
    if (group.state() != rpc::PG_PENDING && group.state() != rpc::PG_RESCHEDULING) continue;
    rpc::PendingGang* gang = out->add_pending_groups();
    gang->set_placement_group_id(group.placement_group_id());
    gang->set_strategy(group.strategy());
    gang->set_pending_reason(group.pending_reason());
    for (const rpc::Bundle& bundle : group.bundles()) {
      // A rescheduling group waits only for the bundles that lost their node.
      if (group.state() == rpc::PG_RESCHEDULING && !bundle.node_id().empty()) continue;
      *gang->add_bundles() = bundle.resources();
    }
  }
  absl::StatusOr<std::string> constraints = kv_.Get(kAutoscalerNamespace, kConstraintsKey);
  if (constraints.ok()) {
    for (rpc::ResourceSet& set : ParseConstraints(*constraints)) *out->add_constraints() = std::move(set);
  }
  absl::StatusOr<std::string> report = kv_.Get(kAutoscalerNamespace, kReportKey);
  if (report.ok()) out->set_autoscaler_report(*report);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AutoscalerStateService::GetClusterStatus(grpc::CallbackServerContext* ctx,
                                                                   const rpc::GetClusterStatusRequest* req,
                                                                   rpc::GetClusterStatusReply* reply) {
  return rpc::ServeSync(server_, "AutoscalerState.GetClusterStatus", ctx, req, reply,
                        [this](const rpc::GetClusterStatusRequest&, rpc::GetClusterStatusReply* out) {
                          return Fill(out);
                        });
}

}  // namespace gcs
}  // namespace photon
