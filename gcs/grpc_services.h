#pragma once

// The GCS's gRPC services: thin adapters from each service's methods to the
// managers. Each method checks the token and runs on the GCS loop through
// ServeSync/ServeOnLoop (core/rpc/grpc_server.h); the managers validate.
//
// All classes here run their handlers only on the GCS loop.

#include "core/rpc/grpc_server.h"
#include "gcs/function_table.h"
#include "gcs/actor_manager.h"
#include "gcs/job_manager.h"
#include "gcs/placement_group_manager.h"
#include "gcs/kv_manager.h"
#include "gcs/node_manager.h"
#include "gcs/publisher.h"
#include "gcs/resource_manager.h"
#include "gcs/task_event_manager.h"
#include "proto/gcs.grpc.pb.h"

namespace photon {
namespace gcs {

class NodeInfoService : public rpc::NodeInfoGcsService::CallbackService {
 public:
  NodeInfoService(rpc::GrpcServer& server, NodeManager& nodes) : server_(server), nodes_(nodes) {}
  grpc::ServerUnaryReactor* RegisterNode(grpc::CallbackServerContext* ctx,
                                         const rpc::RegisterNodeRequest* req,
                                         rpc::RegisterNodeReply* reply) override;
  grpc::ServerUnaryReactor* UnregisterNode(grpc::CallbackServerContext* ctx,
                                           const rpc::UnregisterNodeRequest* req,
                                           rpc::UnregisterNodeReply* reply) override;
  grpc::ServerUnaryReactor* GetAllNodeInfo(grpc::CallbackServerContext* ctx,
                                           const rpc::GetAllNodeInfoRequest* req,
                                           rpc::GetAllNodeInfoReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  NodeManager& nodes_;
};

class NodeResourceService : public rpc::NodeResourceGcsService::CallbackService {
 public:
  NodeResourceService(rpc::GrpcServer& server, ResourceManager& resources)
      : server_(server), resources_(resources) {}
  grpc::ServerUnaryReactor* ReportResourceUsage(grpc::CallbackServerContext* ctx,
                                                const rpc::ReportResourceUsageRequest* req,
                                                rpc::ReportResourceUsageReply* reply) override;
  grpc::ServerUnaryReactor* GetAllResourceUsage(grpc::CallbackServerContext* ctx,
                                                const rpc::GetAllResourceUsageRequest* req,
                                                rpc::GetAllResourceUsageReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  ResourceManager& resources_;
};

class JobInfoService : public rpc::JobInfoGcsService::CallbackService {
 public:
  // `finish` marks a job finished and ends what it leaves behind (on the loop).
  using FinishJob = std::function<absl::Status(const JobID&, const std::string& reason)>;
  JobInfoService(rpc::GrpcServer& server, JobManager& jobs, FinishJob finish)
      : server_(server), jobs_(jobs), finish_(std::move(finish)) {}
  grpc::ServerUnaryReactor* AddJob(grpc::CallbackServerContext* ctx, const rpc::AddJobRequest* req,
                                   rpc::AddJobReply* reply) override;
  grpc::ServerUnaryReactor* MarkJobFinished(grpc::CallbackServerContext* ctx,
                                            const rpc::MarkJobFinishedRequest* req,
                                            rpc::MarkJobFinishedReply* reply) override;
  grpc::ServerUnaryReactor* GetAllJobInfo(grpc::CallbackServerContext* ctx,
                                          const rpc::GetAllJobInfoRequest* req,
                                          rpc::GetAllJobInfoReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  JobManager& jobs_;
  FinishJob finish_;
};

class InternalKVService : public rpc::InternalKVGcsService::CallbackService {
 public:
  InternalKVService(rpc::GrpcServer& server, KvManager& kv) : server_(server), kv_(kv) {}
  grpc::ServerUnaryReactor* KVGet(grpc::CallbackServerContext* ctx, const rpc::KVGetRequest* req,
                                  rpc::KVGetReply* reply) override;
  grpc::ServerUnaryReactor* KVMultiGet(grpc::CallbackServerContext* ctx,
                                       const rpc::KVMultiGetRequest* req,
                                       rpc::KVMultiGetReply* reply) override;
  grpc::ServerUnaryReactor* KVPut(grpc::CallbackServerContext* ctx, const rpc::KVPutRequest* req,
                                  rpc::KVPutReply* reply) override;
  grpc::ServerUnaryReactor* KVDel(grpc::CallbackServerContext* ctx, const rpc::KVDelRequest* req,
                                  rpc::KVDelReply* reply) override;
  grpc::ServerUnaryReactor* KVExists(grpc::CallbackServerContext* ctx,
                                     const rpc::KVExistsRequest* req,
                                     rpc::KVExistsReply* reply) override;
  grpc::ServerUnaryReactor* KVKeys(grpc::CallbackServerContext* ctx, const rpc::KVKeysRequest* req,
                                   rpc::KVKeysReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  KvManager& kv_;
};

class FunctionService : public rpc::FunctionGcsService::CallbackService {
 public:
  FunctionService(rpc::GrpcServer& server, FunctionTable& functions)
      : server_(server), functions_(functions) {}
  grpc::ServerUnaryReactor* AddFunction(grpc::CallbackServerContext* ctx,
                                        const rpc::AddFunctionRequest* req,
                                        rpc::AddFunctionReply* reply) override;
  grpc::ServerUnaryReactor* GetFunction(grpc::CallbackServerContext* ctx,
                                        const rpc::GetFunctionRequest* req,
                                        rpc::GetFunctionReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  FunctionTable& functions_;
};

class TaskEventsService : public rpc::TaskEventsGcsService::CallbackService {
 public:
  TaskEventsService(rpc::GrpcServer& server, TaskEventManager& events) : server_(server), events_(events) {}
  grpc::ServerUnaryReactor* AddTaskEvents(grpc::CallbackServerContext* ctx, const rpc::AddTaskEventsRequest* req,
                                          rpc::AddTaskEventsReply* reply) override;
  grpc::ServerUnaryReactor* GetTaskEvents(grpc::CallbackServerContext* ctx, const rpc::GetTaskEventsRequest* req,
                                          rpc::GetTaskEventsReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  TaskEventManager& events_;
};

class ActorInfoService : public rpc::ActorInfoGcsService::CallbackService {
 public:
  // `finish_job` ends the job of a driver reported dead.
  ActorInfoService(rpc::GrpcServer& server, ActorManager& actors, JobInfoService::FinishJob finish_job)
      : server_(server), actors_(actors), finish_job_(std::move(finish_job)) {}
  grpc::ServerUnaryReactor* RegisterActor(grpc::CallbackServerContext* ctx, const rpc::RegisterActorRequest* req,
                                          rpc::RegisterActorReply* reply) override;
  grpc::ServerUnaryReactor* GetActorInfo(grpc::CallbackServerContext* ctx, const rpc::GetActorInfoRequest* req,
                                         rpc::GetActorInfoReply* reply) override;
  grpc::ServerUnaryReactor* GetNamedActor(grpc::CallbackServerContext* ctx, const rpc::GetNamedActorRequest* req,
                                          rpc::GetNamedActorReply* reply) override;
  grpc::ServerUnaryReactor* KillActor(grpc::CallbackServerContext* ctx, const rpc::KillActorRequest* req,
                                      rpc::KillActorReply* reply) override;
  grpc::ServerUnaryReactor* ReportWorkerFailure(grpc::CallbackServerContext* ctx,
                                                const rpc::ReportWorkerFailureRequest* req,
                                                rpc::ReportWorkerFailureReply* reply) override;
  grpc::ServerUnaryReactor* GetAllActorInfo(grpc::CallbackServerContext* ctx, const rpc::GetAllActorInfoRequest* req,
                                            rpc::GetAllActorInfoReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  ActorManager& actors_;
  JobInfoService::FinishJob finish_job_;
};

class PlacementGroupService : public rpc::PlacementGroupInfoGcsService::CallbackService {
 public:
  PlacementGroupService(rpc::GrpcServer& server, PlacementGroupManager& groups) : server_(server), groups_(groups) {}
  grpc::ServerUnaryReactor* CreatePlacementGroup(grpc::CallbackServerContext* ctx,
                                                 const rpc::CreatePlacementGroupRequest* req,
                                                 rpc::CreatePlacementGroupReply* reply) override;
  grpc::ServerUnaryReactor* RemovePlacementGroup(grpc::CallbackServerContext* ctx,
                                                 const rpc::RemovePlacementGroupRequest* req,
                                                 rpc::RemovePlacementGroupReply* reply) override;
  grpc::ServerUnaryReactor* GetPlacementGroup(grpc::CallbackServerContext* ctx,
                                              const rpc::GetPlacementGroupRequest* req,
                                              rpc::GetPlacementGroupReply* reply) override;
  grpc::ServerUnaryReactor* WaitPlacementGroupReady(grpc::CallbackServerContext* ctx,
                                                    const rpc::WaitPlacementGroupReadyRequest* req,
                                                    rpc::WaitPlacementGroupReadyReply* reply) override;
  grpc::ServerUnaryReactor* GetAllPlacementGroup(grpc::CallbackServerContext* ctx,
                                                 const rpc::GetAllPlacementGroupRequest* req,
                                                 rpc::GetAllPlacementGroupReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  PlacementGroupManager& groups_;
};

class PubsubService : public rpc::PubsubGcsService::CallbackService {
 public:
  PubsubService(rpc::GrpcServer& server, Publisher& publisher)
      : server_(server), publisher_(publisher) {}
  grpc::ServerUnaryReactor* Poll(grpc::CallbackServerContext* ctx, const rpc::PollRequest* req,
                                 rpc::PollReply* reply) override;
  // Publishes each batch on the WORKER_LOGS event channel.
  grpc::ServerUnaryReactor* PublishWorkerLogs(grpc::CallbackServerContext* ctx,
                                              const rpc::PublishWorkerLogsRequest* req,
                                              rpc::PublishWorkerLogsReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  Publisher& publisher_;
};

}  // namespace gcs
}  // namespace photon
