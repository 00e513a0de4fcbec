#pragma once
// OwnerService: the gRPC CoreWorkerService every driver and worker serves,
// the owner's side of its objects: borrowers ask for an object's value or
// locations (answered once it is ready), report copies they made, borrow
// the references they found inside a value they read, and say when they
// drop their last reference.
//
// The server must be started before this process knows its own address
// (the port is part of it), and the tables it answers from are built with
// that address; so the service is registered first and bound to the tables
// once they exist. Nobody can call it before then (the address is not out
// yet); a call that came anyway is answered UNAVAILABLE, which callers retry.
//
//   OwnerService service(server);
//   server.RegisterService(&service);
//   RETURN_IF_ERROR(server.Start());            // server.port() is known now
//   ...
//   service.Serve({refs, memory_store, nodes});
//
// Handlers run on the core worker's loop; Serve may be called from any
// thread, once.
#include <atomic>

#include "core/core_worker/memory_store.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/reference_counter.h"
#include "core/rpc/grpc_server.h"
#include "proto/core_worker.grpc.pb.h"

namespace photon {
namespace core {

class OwnerService : public rpc::CoreWorkerService::CallbackService {
 public:
  // What the answers come from; outlives the server.
  struct Tables {
    ReferenceCounter& refs;
    MemoryStore& memory_store;
    NodeDirectory& nodes;
    // Cancels the tasks this process submitted from task `parent`'s function.
    std::function<void(const TaskID& parent)> cancel_children;
  };

  explicit OwnerService(rpc::GrpcServer& server) : server_(server) {}
  ~OwnerService();

  // REQUIRES: called once.
  void Serve(Tables tables);

  grpc::ServerUnaryReactor* GetObjectStatus(grpc::CallbackServerContext* ctx, const rpc::GetObjectStatusRequest* req,
                                            rpc::GetObjectStatusReply* reply) override;
  grpc::ServerUnaryReactor* AddObjectLocation(grpc::CallbackServerContext* ctx,
                                              const rpc::AddObjectLocationRequest* req,
                                              rpc::AddObjectLocationReply* reply) override;
  grpc::ServerUnaryReactor* AddBorrower(grpc::CallbackServerContext* ctx, const rpc::AddBorrowerRequest* req,
                                        rpc::AddBorrowerReply* reply) override;
  grpc::ServerUnaryReactor* RemoveBorrower(grpc::CallbackServerContext* ctx, const rpc::RemoveBorrowerRequest* req,
                                           rpc::RemoveBorrowerReply* reply) override;
  grpc::ServerUnaryReactor* CancelChildren(grpc::CallbackServerContext* ctx, const rpc::CancelChildrenRequest* req,
                                           rpc::CancelChildrenReply* reply) override;

 private:
  void AnswerStatus(const rpc::GetObjectStatusRequest& request, rpc::GetObjectStatusReply* reply,
                    rpc::ReplyFn done);
  absl::Status AddLocation(const rpc::AddObjectLocationRequest& request);
  absl::Status AddBorrowers(const rpc::AddBorrowerRequest& request, rpc::AddBorrowerReply* reply);
  absl::Status RemoveBorrowers(const rpc::RemoveBorrowerRequest& request);

  rpc::GrpcServer& server_;
  std::atomic<Tables*> tables_{nullptr};
};

}  // namespace core
}  // namespace photon
