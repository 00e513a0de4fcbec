#include "gcs/client/gcs_client.h"

#include "core/common/status_macros.h"
#include "core/rpc/status_util.h"

namespace photon {
namespace gcs {

GcsClient::GcsClient(Options options)
    : options_(std::move(options)),
      channel_(rpc::MakeChannel(options_.address)),
      nodes_(rpc::NodeInfoGcsService::NewStub(channel_)),
      resources_(rpc::NodeResourceGcsService::NewStub(channel_)),
      jobs_(rpc::JobInfoGcsService::NewStub(channel_)),
      kv_(rpc::InternalKVGcsService::NewStub(channel_)),
      functions_(rpc::FunctionGcsService::NewStub(channel_)),
      pubsub_(rpc::PubsubGcsService::NewStub(channel_)),
      task_events_(rpc::TaskEventsGcsService::NewStub(channel_)),
      actors_(rpc::ActorInfoGcsService::NewStub(channel_)),
      placement_groups_(rpc::PlacementGroupInfoGcsService::NewStub(channel_)),
      autoscaler_state_(rpc::AutoscalerStateGcsService::NewStub(channel_)) {}

absl::Status GcsClient::Call(const char* what,
                             const std::function<grpc::Status(grpc::ClientContext*)>& call,
                             const rpc::RetryPolicy* policy) {
  grpc::Status s = rpc::CallWithRetry(options_.token, policy ? *policy : options_.retry, call);
  if (s.ok()) return absl::OkStatus();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
      s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return rpc::FromGrpcStatus(grpc::Status(
        s.error_code(), "GCS at " + options_.address + " did not answer " + what + ": " +
                            s.error_message()));
  }
  return rpc::FromGrpcStatus(s);
}

absl::Status GcsClient::RegisterNode(const rpc::GcsNodeInfo& node) {
  rpc::RegisterNodeRequest req;
  *req.mutable_node() = node;
  rpc::RegisterNodeReply reply;
  return Call("RegisterNode", [&](grpc::ClientContext* c) { return nodes_->RegisterNode(c, req, &reply); });
}

absl::Status GcsClient::UnregisterNode(const NodeID& node, const std::string& reason) {
  rpc::UnregisterNodeRequest req;
  req.set_node_id(node.Binary());
  req.set_reason(reason);
  rpc::UnregisterNodeReply reply;
  return Call("UnregisterNode",
              [&](grpc::ClientContext* c) { return nodes_->UnregisterNode(c, req, &reply); });
}

absl::StatusOr<std::vector<rpc::GcsNodeInfo>> GcsClient::GetAllNodes() {
  rpc::GetAllNodeInfoReply reply;
  RETURN_IF_ERROR(Call("GetAllNodeInfo", [&](grpc::ClientContext* c) {
    return nodes_->GetAllNodeInfo(c, rpc::GetAllNodeInfoRequest(), &reply);
  }));
  return std::vector<rpc::GcsNodeInfo>(reply.nodes().begin(), reply.nodes().end());
}

absl::Status GcsClient::ReportResourceUsage(const rpc::ResourceUsage& usage) {
  rpc::ReportResourceUsageRequest req;
  *req.mutable_usage() = usage;
  rpc::ReportResourceUsageReply reply;
  return Call("ReportResourceUsage",
              [&](grpc::ClientContext* c) { return resources_->ReportResourceUsage(c, req, &reply); });
}

absl::StatusOr<std::vector<rpc::ResourceUsage>> GcsClient::GetAllResourceUsage() {
  rpc::GetAllResourceUsageReply reply;
  RETURN_IF_ERROR(Call("GetAllResourceUsage", [&](grpc::ClientContext* c) {
    return resources_->GetAllResourceUsage(c, rpc::GetAllResourceUsageRequest(), &reply);
  }));
  return std::vector<rpc::ResourceUsage>(reply.usages().begin(), reply.usages().end());
}

absl::StatusOr<JobID> GcsClient::AddJob(const rpc::JobTableData& job) {
  rpc::AddJobRequest req;
  *req.mutable_job() = job;
  rpc::AddJobReply reply;
  RETURN_IF_ERROR(Call("AddJob", [&](grpc::ClientContext* c) { return jobs_->AddJob(c, req, &reply); }));
  return JobID::FromBinary(reply.job_id());
}

absl::Status GcsClient::MarkJobFinished(const JobID& job) {
  rpc::MarkJobFinishedRequest req;
  req.set_job_id(job.Binary());
  rpc::MarkJobFinishedReply reply;
  return Call("MarkJobFinished",
              [&](grpc::ClientContext* c) { return jobs_->MarkJobFinished(c, req, &reply); });
}

absl::StatusOr<std::vector<rpc::JobTableData>> GcsClient::GetAllJobs() {
  rpc::GetAllJobInfoReply reply;
  RETURN_IF_ERROR(Call("GetAllJobInfo", [&](grpc::ClientContext* c) {
    return jobs_->GetAllJobInfo(c, rpc::GetAllJobInfoRequest(), &reply);
  }));
  return std::vector<rpc::JobTableData>(reply.jobs().begin(), reply.jobs().end());
}

absl::StatusOr<std::string> GcsClient::KvGet(const std::string& ns, const std::string& key) {
  rpc::KVGetRequest req;
  req.set_namespace_(ns);
  req.set_key(key);
  rpc::KVGetReply reply;
  RETURN_IF_ERROR(Call("KVGet", [&](grpc::ClientContext* c) { return kv_->KVGet(c, req, &reply); }));
  return std::move(*reply.mutable_value());
}

absl::StatusOr<std::map<std::string, std::string>> GcsClient::KvMultiGet(
    const std::string& ns, const std::vector<std::string>& keys) {
  rpc::KVMultiGetRequest req;
  req.set_namespace_(ns);
  for (const std::string& k : keys) req.add_keys(k);
  rpc::KVMultiGetReply reply;
  RETURN_IF_ERROR(
      Call("KVMultiGet", [&](grpc::ClientContext* c) { return kv_->KVMultiGet(c, req, &reply); }));
  return std::map<std::string, std::string>(reply.entries().begin(), reply.entries().end());
}

absl::StatusOr<bool> GcsClient::KvPut(const std::string& ns, const std::string& key,
                                      const std::string& value, bool overwrite) {
  rpc::KVPutRequest req;
  req.set_namespace_(ns);
  req.set_key(key);
  req.set_value(value);
  req.set_overwrite(overwrite);
  rpc::KVPutReply reply;
  RETURN_IF_ERROR(Call("KVPut", [&](grpc::ClientContext* c) { return kv_->KVPut(c, req, &reply); }));
  return reply.added();
}

absl::StatusOr<int64_t> GcsClient::KvDel(const std::string& ns, const std::string& key,
                                         bool by_prefix) {
  rpc::KVDelRequest req;
  req.set_namespace_(ns);
  req.set_key(key);
  req.set_del_by_prefix(by_prefix);
  rpc::KVDelReply reply;
  RETURN_IF_ERROR(Call("KVDel", [&](grpc::ClientContext* c) { return kv_->KVDel(c, req, &reply); }));
  return reply.deleted_num();
}

absl::StatusOr<bool> GcsClient::KvExists(const std::string& ns, const std::string& key) {
  rpc::KVExistsRequest req;
  req.set_namespace_(ns);
  req.set_key(key);
  rpc::KVExistsReply reply;
  RETURN_IF_ERROR(
      Call("KVExists", [&](grpc::ClientContext* c) { return kv_->KVExists(c, req, &reply); }));
  return reply.exists();
}

absl::StatusOr<std::vector<std::string>> GcsClient::KvKeys(const std::string& ns,
                                                           const std::string& prefix) {
  rpc::KVKeysRequest req;
  req.set_namespace_(ns);
  req.set_prefix(prefix);
  rpc::KVKeysReply reply;
  RETURN_IF_ERROR(Call("KVKeys", [&](grpc::ClientContext* c) { return kv_->KVKeys(c, req, &reply); }));
  return std::vector<std::string>(reply.keys().begin(), reply.keys().end());
}

absl::Status GcsClient::AddFunction(const JobID& job, const std::string& function_id,
                                    const std::string& blob) {
  rpc::AddFunctionRequest req;
  req.set_job_id(job.Binary());
  req.set_function_id(function_id);
  req.set_blob(blob);
  rpc::AddFunctionReply reply;
  return Call("AddFunction",
              [&](grpc::ClientContext* c) { return functions_->AddFunction(c, req, &reply); });
}

absl::StatusOr<std::string> GcsClient::GetFunction(const JobID& job, const std::string& function_id) {
  rpc::GetFunctionRequest req;
  req.set_job_id(job.Binary());
  req.set_function_id(function_id);
  rpc::GetFunctionReply reply;
  RETURN_IF_ERROR(Call("GetFunction", [&](grpc::ClientContext* c) {
    return functions_->GetFunction(c, req, &reply);
  }));
  return std::move(*reply.mutable_blob());
}

absl::Status GcsClient::AddTaskEvents(const rpc::AddTaskEventsRequest& request) {
  rpc::AddTaskEventsReply reply;
  return Call("AddTaskEvents",
              [&](grpc::ClientContext* c) { return task_events_->AddTaskEvents(c, request, &reply); });
}

absl::StatusOr<rpc::GetTaskEventsReply> GcsClient::GetTaskEvents(const JobID& job, int limit) {
  rpc::GetTaskEventsRequest req;
  if (!job.IsNil()) req.set_job_id(job.Binary());
  req.set_limit(limit);
  rpc::GetTaskEventsReply reply;
  RETURN_IF_ERROR(Call("GetTaskEvents", [&](grpc::ClientContext* c) { return task_events_->GetTaskEvents(c, req, &reply); }));
  return reply;
}

absl::Status GcsClient::RegisterActor(const rpc::ActorTableData& actor) {
  rpc::RegisterActorRequest req;
  *req.mutable_actor() = actor;
  rpc::RegisterActorReply reply;
  return Call("RegisterActor", [&](grpc::ClientContext* c) { return actors_->RegisterActor(c, req, &reply); });
}

absl::StatusOr<rpc::ActorTableData> GcsClient::GetActorInfo(const ActorID& actor) {
  rpc::GetActorInfoRequest req;
  req.set_actor_id(actor.Binary());
  rpc::GetActorInfoReply reply;
  RETURN_IF_ERROR(Call("GetActorInfo", [&](grpc::ClientContext* c) { return actors_->GetActorInfo(c, req, &reply); }));
  return reply.actor();
}

absl::StatusOr<rpc::ActorTableData> GcsClient::GetNamedActor(const std::string& name, const std::string& ns) {
  rpc::GetNamedActorRequest req;
  req.set_name(name);
  req.set_namespace_(ns);
  rpc::GetNamedActorReply reply;
  RETURN_IF_ERROR(
      Call("GetNamedActor", [&](grpc::ClientContext* c) { return actors_->GetNamedActor(c, req, &reply); }));
  return reply.actor();
}

absl::Status GcsClient::KillActor(const ActorID& actor, bool no_restart, bool intentional_exit) {
  rpc::KillActorRequest req;
  req.set_actor_id(actor.Binary());
  req.set_no_restart(no_restart);
  req.set_intentional_exit(intentional_exit);
  rpc::KillActorReply reply;
  return Call("KillActor", [&](grpc::ClientContext* c) { return actors_->KillActor(c, req, &reply); });
}

absl::StatusOr<std::vector<rpc::ActorTableData>> GcsClient::GetAllActorInfo() {
  rpc::GetAllActorInfoReply reply;
  RETURN_IF_ERROR(Call("GetAllActorInfo", [&](grpc::ClientContext* c) {
    return actors_->GetAllActorInfo(c, rpc::GetAllActorInfoRequest(), &reply);
  }));
  return std::vector<rpc::ActorTableData>(reply.actors().begin(), reply.actors().end());
}

absl::StatusOr<rpc::PlacementGroupState> GcsClient::CreatePlacementGroup(const rpc::PlacementGroupTableData& group) {
  rpc::CreatePlacementGroupRequest req;
  *req.mutable_group() = group;
  rpc::CreatePlacementGroupReply reply;
  RETURN_IF_ERROR(Call("CreatePlacementGroup", [&](grpc::ClientContext* c) {
    return placement_groups_->CreatePlacementGroup(c, req, &reply);
  }));
  return reply.state();
}

absl::Status GcsClient::RemovePlacementGroup(const PlacementGroupID& id) {
  rpc::RemovePlacementGroupRequest req;
  req.set_placement_group_id(id.Binary());
  rpc::RemovePlacementGroupReply reply;
  return Call("RemovePlacementGroup",
              [&](grpc::ClientContext* c) { return placement_groups_->RemovePlacementGroup(c, req, &reply); });
}

absl::StatusOr<rpc::PlacementGroupTableData> GcsClient::GetPlacementGroup(const PlacementGroupID& id,
                                                                         const std::string& name,
                                                                         const std::string& ns) {
  rpc::GetPlacementGroupRequest req;
  if (!id.IsNil()) req.set_placement_group_id(id.Binary());
  req.set_name(name);
  req.set_namespace_(ns);
  rpc::GetPlacementGroupReply reply;
  RETURN_IF_ERROR(Call("GetPlacementGroup",
                       [&](grpc::ClientContext* c) { return placement_groups_->GetPlacementGroup(c, req, &reply); }));
  return reply.group();
}

absl::StatusOr<std::vector<rpc::PlacementGroupTableData>> GcsClient::GetAllPlacementGroups() {
  rpc::GetAllPlacementGroupReply reply;
  RETURN_IF_ERROR(Call("GetAllPlacementGroup", [&](grpc::ClientContext* c) {
    return placement_groups_->GetAllPlacementGroup(c, rpc::GetAllPlacementGroupRequest(), &reply);
  }));
  return std::vector<rpc::PlacementGroupTableData>(reply.groups().begin(), reply.groups().end());
}

absl::StatusOr<rpc::GetClusterStatusReply> GcsClient::GetClusterStatus() {
  rpc::GetClusterStatusReply reply;
  RETURN_IF_ERROR(Call("GetClusterStatus", [&](grpc::ClientContext* c) {
    return autoscaler_state_->GetClusterStatus(c, rpc::GetClusterStatusRequest(), &reply);
  }));
  return reply;
}

absl::StatusOr<bool> GcsClient::WaitPlacementGroupReady(const PlacementGroupID& id,
                                                        std::chrono::milliseconds timeout) {
  rpc::WaitPlacementGroupReadyRequest req;
  req.set_placement_group_id(id.Binary());
  req.set_timeout_ms(static_cast<int32_t>(timeout.count()));
  rpc::WaitPlacementGroupReadyReply reply;
  rpc::RetryPolicy policy = options_.retry;
  policy.attempt_timeout = timeout + std::chrono::seconds(5);
  RETURN_IF_ERROR(Call(
      "WaitPlacementGroupReady",
      [&](grpc::ClientContext* c) { return placement_groups_->WaitPlacementGroupReady(c, req, &reply); }, &policy));
  return reply.ready();
}

absl::StatusOr<rpc::PollReply> GcsClient::Poll(const rpc::PollRequest& request) {
  rpc::RetryPolicy policy = options_.retry;
  policy.max_attempts = 1;  // GcsSubscriber polls again itself, and can stop between polls
  policy.attempt_timeout = std::chrono::milliseconds(request.timeout_ms()) + std::chrono::seconds(5);
  rpc::PollReply reply;
  RETURN_IF_ERROR(Call(
      "Poll", [&](grpc::ClientContext* c) { return pubsub_->Poll(c, request, &reply); }, &policy));
  return reply;
}

}  // namespace gcs
}  // namespace photon
