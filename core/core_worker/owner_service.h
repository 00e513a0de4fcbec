#pragma once
// OwnerService: the gRPC CoreWorkerService every driver and worker serves,
// the owner's side of its objects: borrowers ask for an object's value or
// locations (answered once it is ready), report copies they made, and say
// when they drop their last reference. Handlers run on the core worker's loop.
#include "core/rpc/grpc_server.h"
#include "proto/core_worker.grpc.pb.h"

namespace photon {
namespace core {

class CoreWorker;

class OwnerService : public rpc::CoreWorkerService::CallbackService {
 public:
  OwnerService(rpc::GrpcServer& server, CoreWorker& worker) : server_(server), worker_(worker) {}

  grpc::ServerUnaryReactor* GetObjectStatus(grpc::CallbackServerContext* ctx, const rpc::GetObjectStatusRequest* req,
                                            rpc::GetObjectStatusReply* reply) override;
  grpc::ServerUnaryReactor* AddObjectLocation(grpc::CallbackServerContext* ctx,
                                              const rpc::AddObjectLocationRequest* req,
                                              rpc::AddObjectLocationReply* reply) override;
  grpc::ServerUnaryReactor* RemoveBorrower(grpc::CallbackServerContext* ctx, const rpc::RemoveBorrowerRequest* req,
                                           rpc::RemoveBorrowerReply* reply) override;

 private:
  rpc::GrpcServer& server_;
  CoreWorker& worker_;
};

}  // namespace core
}  // namespace photon
