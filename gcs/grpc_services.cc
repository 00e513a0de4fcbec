#include "gcs/grpc_services.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"

namespace photon {
namespace gcs {

using rpc::ServeOnLoop;
using rpc::ServeSync;

// ------------------------------------------------------------------ nodes

grpc::ServerUnaryReactor* NodeInfoService::RegisterNode(grpc::CallbackServerContext* ctx,
                                                        const rpc::RegisterNodeRequest* req,
                                                        rpc::RegisterNodeReply* reply) {
  return ServeSync(server_, "NodeInfo.RegisterNode", ctx, req, reply,
                   [this](const rpc::RegisterNodeRequest& r, rpc::RegisterNodeReply*) {
                     return nodes_.Register(r.node());
                   });
}

grpc::ServerUnaryReactor* NodeInfoService::UnregisterNode(grpc::CallbackServerContext* ctx,
                                                          const rpc::UnregisterNodeRequest* req,
                                                          rpc::UnregisterNodeReply* reply) {
  return ServeSync(server_, "NodeInfo.UnregisterNode", ctx, req, reply,
                   [this](const rpc::UnregisterNodeRequest& r, rpc::UnregisterNodeReply*) {
                     ASSIGN_OR_RETURN(NodeID id, NodeID::FromBinary(r.node_id()));
                     return nodes_.MarkDead(id, r.reason().empty() ? "unregistered" : r.reason());
                   });
}

grpc::ServerUnaryReactor* NodeInfoService::GetAllNodeInfo(grpc::CallbackServerContext* ctx,
                                                          const rpc::GetAllNodeInfoRequest* req,
                                                          rpc::GetAllNodeInfoReply* reply) {
  return ServeSync(server_, "NodeInfo.GetAllNodeInfo", ctx, req, reply,
                   [this](const rpc::GetAllNodeInfoRequest&, rpc::GetAllNodeInfoReply* out) {
                     for (rpc::GcsNodeInfo& n : nodes_.All()) *out->add_nodes() = std::move(n);
                     return absl::OkStatus();
                   });
}

// -------------------------------------------------------------- resources

grpc::ServerUnaryReactor* NodeResourceService::ReportResourceUsage(
    grpc::CallbackServerContext* ctx, const rpc::ReportResourceUsageRequest* req,
    rpc::ReportResourceUsageReply* reply) {
  return ServeSync(server_, "NodeResource.ReportResourceUsage", ctx, req, reply,
                   [this](const rpc::ReportResourceUsageRequest& r, rpc::ReportResourceUsageReply*) {
                     return resources_.Report(r.usage());
                   });
}

grpc::ServerUnaryReactor* NodeResourceService::GetAllResourceUsage(
    grpc::CallbackServerContext* ctx, const rpc::GetAllResourceUsageRequest* req,
    rpc::GetAllResourceUsageReply* reply) {
  return ServeSync(server_, "NodeResource.GetAllResourceUsage", ctx, req, reply,
                   [this](const rpc::GetAllResourceUsageRequest&, rpc::GetAllResourceUsageReply* out) {
                     for (rpc::ResourceUsage& u : resources_.All()) *out->add_usages() = std::move(u);
                     return absl::OkStatus();
                   });
}

// ------------------------------------------------------------------- jobs

grpc::ServerUnaryReactor* JobInfoService::AddJob(grpc::CallbackServerContext* ctx,
                                                 const rpc::AddJobRequest* req,
                                                 rpc::AddJobReply* reply) {
  return ServeSync(server_, "JobInfo.AddJob", ctx, req, reply,
                   [this](const rpc::AddJobRequest& r, rpc::AddJobReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(JobID id, jobs_.AddJob(r.job()));
                     out->set_job_id(id.Binary());
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* JobInfoService::MarkJobFinished(grpc::CallbackServerContext* ctx,
                                                          const rpc::MarkJobFinishedRequest* req,
                                                          rpc::MarkJobFinishedReply* reply) {
  return ServeSync(server_, "JobInfo.MarkJobFinished", ctx, req, reply,
                   [this](const rpc::MarkJobFinishedRequest& r, rpc::MarkJobFinishedReply*) {
                     ASSIGN_OR_RETURN(JobID id, JobID::FromBinary(r.job_id()));
                     return finish_(id, "");
                   });
}

grpc::ServerUnaryReactor* JobInfoService::GetAllJobInfo(grpc::CallbackServerContext* ctx,
                                                        const rpc::GetAllJobInfoRequest* req,
                                                        rpc::GetAllJobInfoReply* reply) {
  return ServeSync(server_, "JobInfo.GetAllJobInfo", ctx, req, reply,
                   [this](const rpc::GetAllJobInfoRequest&, rpc::GetAllJobInfoReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(std::vector<rpc::JobTableData> jobs, jobs_.All());
                     for (rpc::JobTableData& j : jobs) *out->add_jobs() = std::move(j);
                     return absl::OkStatus();
                   });
}

// ------------------------------------------------------------ internal KV

grpc::ServerUnaryReactor* InternalKVService::KVGet(grpc::CallbackServerContext* ctx,
                                                   const rpc::KVGetRequest* req,
                                                   rpc::KVGetReply* reply) {
  return ServeSync(server_, "InternalKV.Get", ctx, req, reply,
                   [this](const rpc::KVGetRequest& r, rpc::KVGetReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(*out->mutable_value(), kv_.Get(r.namespace_(), r.key()));
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* InternalKVService::KVMultiGet(grpc::CallbackServerContext* ctx,
                                                        const rpc::KVMultiGetRequest* req,
                                                        rpc::KVMultiGetReply* reply) {
  return ServeSync(server_, "InternalKV.MultiGet", ctx, req, reply,
                   [this](const rpc::KVMultiGetRequest& r, rpc::KVMultiGetReply* out) -> absl::Status {
                     std::vector<std::string> keys(r.keys().begin(), r.keys().end());
                     ASSIGN_OR_RETURN(auto entries, kv_.MultiGet(r.namespace_(), keys));
                     for (auto& [k, v] : entries) (*out->mutable_entries())[k] = std::move(v);
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* InternalKVService::KVPut(grpc::CallbackServerContext* ctx,
                                                   const rpc::KVPutRequest* req,
                                                   rpc::KVPutReply* reply) {
  return ServeSync(server_, "InternalKV.Put", ctx, req, reply,
                   [this](const rpc::KVPutRequest& r, rpc::KVPutReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(bool added,
                                      kv_.Put(r.namespace_(), r.key(), r.value(), r.overwrite()));
                     out->set_added(added);
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* InternalKVService::KVDel(grpc::CallbackServerContext* ctx,
                                                   const rpc::KVDelRequest* req,
                                                   rpc::KVDelReply* reply) {
  return ServeSync(server_, "InternalKV.Del", ctx, req, reply,
                   [this](const rpc::KVDelRequest& r, rpc::KVDelReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(int64_t n, kv_.Del(r.namespace_(), r.key(), r.del_by_prefix()));
                     out->set_deleted_num(n);
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* InternalKVService::KVExists(grpc::CallbackServerContext* ctx,
                                                      const rpc::KVExistsRequest* req,
                                                      rpc::KVExistsReply* reply) {
  return ServeSync(server_, "InternalKV.Exists", ctx, req, reply,
                   [this](const rpc::KVExistsRequest& r, rpc::KVExistsReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(bool exists, kv_.Exists(r.namespace_(), r.key()));
                     out->set_exists(exists);
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* InternalKVService::KVKeys(grpc::CallbackServerContext* ctx,
                                                    const rpc::KVKeysRequest* req,
                                                    rpc::KVKeysReply* reply) {
  return ServeSync(server_, "InternalKV.Keys", ctx, req, reply,
                   [this](const rpc::KVKeysRequest& r, rpc::KVKeysReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(std::vector<std::string> keys, kv_.Keys(r.namespace_(), r.prefix()));
                     for (std::string& k : keys) out->add_keys(std::move(k));
                     return absl::OkStatus();
                   });
}

// ---------------------------------------------------------- function table

grpc::ServerUnaryReactor* FunctionService::AddFunction(grpc::CallbackServerContext* ctx,
                                                       const rpc::AddFunctionRequest* req,
                                                       rpc::AddFunctionReply* reply) {
  return ServeSync(server_, "Function.Add", ctx, req, reply,
                   [this](const rpc::AddFunctionRequest& r, rpc::AddFunctionReply*) -> absl::Status {
                     ASSIGN_OR_RETURN(JobID job, JobID::FromBinary(r.job_id()));
                     return functions_.Add(job, r.function_id(), r.blob());
                   });
}

grpc::ServerUnaryReactor* FunctionService::GetFunction(grpc::CallbackServerContext* ctx,
                                                       const rpc::GetFunctionRequest* req,
                                                       rpc::GetFunctionReply* reply) {
  return ServeSync(server_, "Function.Get", ctx, req, reply,
                   [this](const rpc::GetFunctionRequest& r, rpc::GetFunctionReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(JobID job, JobID::FromBinary(r.job_id()));
                     ASSIGN_OR_RETURN(*out->mutable_blob(), functions_.Get(job, r.function_id()));
                     return absl::OkStatus();
                   });
}

// ------------------------------------------------------------ task events

grpc::ServerUnaryReactor* TaskEventsService::AddTaskEvents(grpc::CallbackServerContext* ctx,
                                                           const rpc::AddTaskEventsRequest* req,
                                                           rpc::AddTaskEventsReply* reply) {
  return ServeSync(server_, "TaskEvents.Add", ctx, req, reply,
                   [this](const rpc::AddTaskEventsRequest& r, rpc::AddTaskEventsReply*) {
                     return events_.Add(r.events());
                   });
}

grpc::ServerUnaryReactor* TaskEventsService::GetTaskEvents(grpc::CallbackServerContext* ctx,
                                                           const rpc::GetTaskEventsRequest* req,
                                                           rpc::GetTaskEventsReply* reply) {
  return ServeSync(server_, "TaskEvents.Get", ctx, req, reply,
                   [this](const rpc::GetTaskEventsRequest& r, rpc::GetTaskEventsReply* out) -> absl::Status {
                     JobID job;
                     if (!r.job_id().empty()) {
                       ASSIGN_OR_RETURN(job, JobID::FromBinary(r.job_id()));
                     }
                     *out = events_.Get(job, r.limit());
                     return absl::OkStatus();
                   });
}

// ----------------------------------------------------------------- actors

grpc::ServerUnaryReactor* ActorInfoService::RegisterActor(grpc::CallbackServerContext* ctx,
                                                          const rpc::RegisterActorRequest* req,
                                                          rpc::RegisterActorReply* reply) {
  return ServeSync(server_, "ActorInfo.Register", ctx, req, reply,
                   [this](const rpc::RegisterActorRequest& r, rpc::RegisterActorReply*) {
                     return actors_.Register(r.actor());
                   });
}

grpc::ServerUnaryReactor* ActorInfoService::GetActorInfo(grpc::CallbackServerContext* ctx,
                                                         const rpc::GetActorInfoRequest* req,
                                                         rpc::GetActorInfoReply* reply) {
  return ServeSync(server_, "ActorInfo.Get", ctx, req, reply,
                   [this](const rpc::GetActorInfoRequest& r, rpc::GetActorInfoReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(ActorID id, ActorID::FromBinary(r.actor_id()));
                     ASSIGN_OR_RETURN(*out->mutable_actor(), actors_.Get(id));
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* ActorInfoService::GetNamedActor(grpc::CallbackServerContext* ctx,
                                                          const rpc::GetNamedActorRequest* req,
                                                          rpc::GetNamedActorReply* reply) {
  return ServeSync(server_, "ActorInfo.GetNamed", ctx, req, reply,
                   [this](const rpc::GetNamedActorRequest& r, rpc::GetNamedActorReply* out) -> absl::Status {
                     ASSIGN_OR_RETURN(*out->mutable_actor(), actors_.GetNamed(r.name(), r.namespace_()));
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* ActorInfoService::KillActor(grpc::CallbackServerContext* ctx,
                                                      const rpc::KillActorRequest* req,
                                                      rpc::KillActorReply* reply) {
  return ServeSync(server_, "ActorInfo.Kill", ctx, req, reply,
                   [this](const rpc::KillActorRequest& r, rpc::KillActorReply*) -> absl::Status {
                     ASSIGN_OR_RETURN(ActorID id, ActorID::FromBinary(r.actor_id()));
                     return actors_.Kill(id, r.no_restart(), r.intentional_exit());
                   });
}

grpc::ServerUnaryReactor* ActorInfoService::ReportWorkerFailure(grpc::CallbackServerContext* ctx,
                                                                const rpc::ReportWorkerFailureRequest* req,
                                                                rpc::ReportWorkerFailureReply* reply) {
  return ServeSync(server_, "ActorInfo.ReportWorkerFailure", ctx, req, reply,
                   [this](const rpc::ReportWorkerFailureRequest& r, rpc::ReportWorkerFailureReply*) -> absl::Status {
                     ASSIGN_OR_RETURN(WorkerID worker, WorkerID::FromBinary(r.worker().worker_id()));
                     actors_.OnOwnerDied(worker, r.how());
                     actors_.OnWorkerDied(worker, r.how());
                     if (r.driver_job_id().empty()) return absl::OkStatus();
                     ASSIGN_OR_RETURN(JobID job, JobID::FromBinary(r.driver_job_id()));
                     return finish_job_(job, "its driver " + r.how() + " without disconnecting");
                   });
}

grpc::ServerUnaryReactor* ActorInfoService::GetAllActorInfo(grpc::CallbackServerContext* ctx,
                                                            const rpc::GetAllActorInfoRequest* req,
                                                            rpc::GetAllActorInfoReply* reply) {
  return ServeSync(server_, "ActorInfo.GetAll", ctx, req, reply,
                   [this](const rpc::GetAllActorInfoRequest& r, rpc::GetAllActorInfoReply* out) {
                     *out = actors_.GetAll(r.state(), r.limit());
                     return absl::OkStatus();
                   });
}

// ------------------------------------------------------- placement groups

grpc::ServerUnaryReactor* PlacementGroupService::CreatePlacementGroup(grpc::CallbackServerContext* ctx,
                                                                      const rpc::CreatePlacementGroupRequest* req,
                                                                      rpc::CreatePlacementGroupReply* reply) {
  return ServeOnLoop(server_, "PlacementGroups.Create", ctx, req, reply,
                     [this](const rpc::CreatePlacementGroupRequest& r, rpc::CreatePlacementGroupReply* out,
                            rpc::ReplyFn done) {
                       absl::Status created = groups_.Create(r.group());
                       if (!created.ok()) return done(rpc::ToGrpcStatus(created));
                       // Most groups are placed within a few raylet round trips: saying
                       // so here spares the caller a Wait call.
                       const PlacementGroupID id = *PlacementGroupID::FromBinary(r.group().placement_group_id());
                       groups_.WhenReady(id, std::chrono::milliseconds(100),
                                         [out, done](absl::StatusOr<bool> ready) {
                                           out->set_state(ready.ok() && *ready ? rpc::PG_CREATED : rpc::PG_PENDING);
                                           done(grpc::Status::OK);
                                         });
                     });
}

grpc::ServerUnaryReactor* PlacementGroupService::RemovePlacementGroup(grpc::CallbackServerContext* ctx,
                                                                      const rpc::RemovePlacementGroupRequest* req,
                                                                      rpc::RemovePlacementGroupReply* reply) {
  return ServeSync(server_, "PlacementGroups.Remove", ctx, req, reply,
                   [this](const rpc::RemovePlacementGroupRequest& r, rpc::RemovePlacementGroupReply*) -> absl::Status {
                     ASSIGN_OR_RETURN(PlacementGroupID id, PlacementGroupID::FromBinary(r.placement_group_id()));
                     return groups_.Remove(id);
                   });
}

grpc::ServerUnaryReactor* PlacementGroupService::GetPlacementGroup(grpc::CallbackServerContext* ctx,
                                                                   const rpc::GetPlacementGroupRequest* req,
                                                                   rpc::GetPlacementGroupReply* reply) {
  return ServeSync(server_, "PlacementGroups.Get", ctx, req, reply,
                   [this](const rpc::GetPlacementGroupRequest& r, rpc::GetPlacementGroupReply* out) -> absl::Status {
                     if (!r.name().empty()) {
                       ASSIGN_OR_RETURN(*out->mutable_group(), groups_.GetNamed(r.name(), r.namespace_()));
                       return absl::OkStatus();
                     }
                     ASSIGN_OR_RETURN(PlacementGroupID id, PlacementGroupID::FromBinary(r.placement_group_id()));
                     ASSIGN_OR_RETURN(*out->mutable_group(), groups_.Get(id));
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* PlacementGroupService::GetAllPlacementGroup(grpc::CallbackServerContext* ctx,
                                                                      const rpc::GetAllPlacementGroupRequest* req,
                                                                      rpc::GetAllPlacementGroupReply* reply) {
  return ServeSync(server_, "PlacementGroups.GetAll", ctx, req, reply,
                   [this](const rpc::GetAllPlacementGroupRequest& r, rpc::GetAllPlacementGroupReply* out) {
                     *out = groups_.GetAll(r.limit());
                     return absl::OkStatus();
                   });
}

grpc::ServerUnaryReactor* PlacementGroupService::WaitPlacementGroupReady(
    grpc::CallbackServerContext* ctx, const rpc::WaitPlacementGroupReadyRequest* req,
    rpc::WaitPlacementGroupReadyReply* reply) {
  return ServeOnLoop(server_, "PlacementGroups.WaitReady", ctx, req, reply,
                     [this](const rpc::WaitPlacementGroupReadyRequest& r, rpc::WaitPlacementGroupReadyReply* out,
                            rpc::ReplyFn done) {
                       absl::StatusOr<PlacementGroupID> id = PlacementGroupID::FromBinary(r.placement_group_id());
                       if (!id.ok()) return done(rpc::ToGrpcStatus(id.status()));
                       groups_.WhenReady(*id, std::chrono::milliseconds(std::max<int64_t>(0, r.timeout_ms())),
                                         [out, done](absl::StatusOr<bool> ready) {
                                           if (ready.ok()) out->set_ready(*ready);
                                           done(rpc::ToGrpcStatus(ready.status()));
                                         });
                     });
}

// ----------------------------------------------------------------- pubsub

grpc::ServerUnaryReactor* PubsubService::Poll(grpc::CallbackServerContext* ctx,
                                              const rpc::PollRequest* req, rpc::PollReply* reply) {
  return ServeOnLoop(server_, "Pubsub.Poll", ctx, req, reply,
                     [this](const rpc::PollRequest& r, rpc::PollReply* out, rpc::ReplyFn done) {
                       if (r.channels_size() == 0) {
                         done(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                           "pubsub poll names no channel"));
                         return;
                       }
                       publisher_.Poll(r, out, [done] { done(grpc::Status::OK); });
                     });
}

grpc::ServerUnaryReactor* PubsubService::PublishWorkerLogs(grpc::CallbackServerContext* ctx,
                                                           const rpc::PublishWorkerLogsRequest* req,
                                                           rpc::PublishWorkerLogsReply* reply) {
  return ServeSync(server_, "Pubsub.PublishWorkerLogs", ctx, req, reply,
                   [this](const rpc::PublishWorkerLogsRequest& r, rpc::PublishWorkerLogsReply*) -> absl::Status {
                     absl::Status first_bad;
                     for (int i = 0; i < r.batches_size(); i++) {
                       const rpc::WorkerLogBatch& batch = r.batches(i);
                       if (!JobID::FromBinary(batch.job_id()).ok()) {
                         if (first_bad.ok()) {
                           first_bad = absl::InvalidArgumentError(absl::StrCat(
                               "worker log batch ", i, " (pid ", batch.pid(), ") has no valid job id"));
                         }
                         continue;
                       }
                       rpc::PubMessage m;
                       m.set_channel(rpc::WORKER_LOGS);
                       *m.mutable_worker_logs() = batch;
                       publisher_.Publish(std::move(m));
                     }
                     return first_bad;
                   });
}

}  // namespace gcs
}  // namespace photon
