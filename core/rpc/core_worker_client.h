#pragma once

// CoreWorkerClient: the typed client of one driver's or worker's
// CoreWorkerService, the owner side of its objects. Borrowers ask an owner
// for an object's value and locations, report the copies they make, and say
// when they drop their last reference. One method per RPC; each RPC's
// deadline and retry policy is defined once, in core_worker_client.cc.
// Errors are absl::Status with gRPC's code; where the owner may not have
// answered (UNAVAILABLE, DEADLINE_EXCEEDED) they name the call and the
// address (core/rpc/unary_call.h).
//
//   CoreWorkerClient owner(loop, rpc::HostPort(ref.owner), token);
//   owner.GetObjectStatus(request, [this](absl::StatusOr<rpc::GetObjectStatusReply> r) {
//     OnOwnerStatus(std::move(r));                             // runs on `loop`
//   });
//
// Requests are taken by value (move one in to spare a copy): the call keeps
// it until it ends, retries included. Callbacks run on `loop`, exactly once;
// they may be empty.
//
// Thread-safe: immutable after construction; calls may start on any thread.

#include <memory>
#include <string>

#include "core/common/event_loop.h"
#include "core/rpc/unary_call.h"
#include "proto/core_worker.grpc.pb.h"

namespace photon {
namespace rpc {

class CoreWorkerClient {
 public:
  // `address` is HOST:PORT of the core worker's gRPC server.
  CoreWorkerClient(EventLoop& loop, std::string address, std::string token);

  const std::string& address() const { return address_; }

  // Answered once the object is ready, freed or failed: may take as long as
  // the task computing it.
  void GetObjectStatus(GetObjectStatusRequest request, ReplyCallback<GetObjectStatusReply> done);
  void AddObjectLocation(AddObjectLocationRequest request, ReplyCallback<AddObjectLocationReply> done);
  void AddBorrower(AddBorrowerRequest request, ReplyCallback<AddBorrowerReply> done);
  void RemoveBorrower(RemoveBorrowerRequest request, ReplyCallback<RemoveBorrowerReply> done);
  void CancelChildren(CancelChildrenRequest request, ReplyCallback<CancelChildrenReply> done);

 private:
  EventLoop& loop_;
  const std::string address_;
  const std::string token_;
  // Shared with the calls in flight, which may outlive this client.
  const std::shared_ptr<CoreWorkerService::Stub> stub_;
};

}  // namespace rpc
}  // namespace photon
