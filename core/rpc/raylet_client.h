#pragma once

// RayletClient: the typed client of one raylet (RayletService), used by
// submitters, the GCS and workers alike. One method per RPC; each RPC's
// deadline and retry policy is defined once, in raylet_client.cc. Errors
// are absl::Status with gRPC's code; where the raylet may not have answered
// (UNAVAILABLE, DEADLINE_EXCEEDED) they name the call and the address
// (core/rpc/unary_call.h).
//
//   RayletClient raylet(loop, "10.0.0.5:41234", token);
//   raylet.RequestWorkerLease(request, [this](absl::StatusOr<rpc::RequestWorkerLeaseReply> r) {
//     OnLeaseReply(std::move(r));                              // runs on `loop`
//   });
//   absl::StatusOr<rpc::PullObjectReply> pulled = raylet.PullObjectAndWait(pull);  // blocks
//
// Requests are taken by value (move one in to spare a copy): the call keeps
// it until it ends, retries included. Asynchronous methods complete on
// `loop`, exactly once; the callback may be empty (the outcome is dropped). The ...AndWait forms make the same call
// (same policy) on the calling thread and wait for it; they do not need the
// loop to be running. REQUIRES (...AndWait): not called on an EventLoop's
// thread, which it would stall.
//
// Thread-safe: immutable after construction; calls may start on any thread.

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/rpc/unary_call.h"
#include "proto/raylet.grpc.pb.h"

namespace photon {
namespace rpc {

class RayletClient {
 public:
  struct Options {
    // HealthCheck's deadline (one attempt): how long a raylet may take to
    // answer before its node counts as not answering.
    std::chrono::milliseconds health_check_timeout{1000};
  };

  // `address` is HOST:PORT of the raylet's gRPC server.
  RayletClient(EventLoop& loop, std::string address, std::string token);
  RayletClient(EventLoop& loop, std::string address, std::string token, Options options);

  const std::string& address() const { return address_; }

  // Answered by the raylet's loop: OK means the node is alive and not stuck.
  void HealthCheck(ReplyCallback<HealthCheckReply> done);
  void GetNodeStats(ReplyCallback<GetNodeStatsReply> done);
  // Waits at the raylet while the request is feasible but resources are busy.
  void RequestWorkerLease(RequestWorkerLeaseRequest request, ReplyCallback<RequestWorkerLeaseReply> done);
  void ReturnWorker(ReturnWorkerRequest request, ReplyCallback<ReturnWorkerReply> done);
  void RegisterWorker(RegisterWorkerRequest request, ReplyCallback<RegisterWorkerReply> done);
  // The deadline follows the request's timeout_ms.
  void PullObject(PullObjectRequest request, ReplyCallback<PullObjectReply> done);
  void FreeObjects(FreeObjectsRequest request, ReplyCallback<FreeObjectsReply> done);
  // A leased worker's task blocked in get/wait or went on (the CPU goes back
  // to the node meanwhile).
  void NotifyWorkerBlocked(NotifyWorkerBlockedRequest request, ReplyCallback<NotifyWorkerBlockedReply> done);
  void WatchDriver(WatchDriverRequest request, ReplyCallback<WatchDriverReply> done);
  // Placement group bundles (the GCS's two-phase commit).
  void PrepareBundles(PrepareBundlesRequest request, ReplyCallback<PrepareBundlesReply> done);
  void CommitBundles(CommitBundlesRequest request, ReplyCallback<CommitBundlesReply> done);
  void CancelBundles(CancelBundlesRequest request, ReplyCallback<CancelBundlesReply> done);

  // Blocking forms, for callers off any loop (a worker starting up, a user
  // thread, the execution thread, a driver shutting down).
  absl::StatusOr<GetNodeStatsReply> GetNodeStatsAndWait();
  absl::StatusOr<RegisterWorkerReply> RegisterWorkerAndWait(RegisterWorkerRequest request);
  absl::StatusOr<ReturnWorkerReply> ReturnWorkerAndWait(ReturnWorkerRequest request);
  absl::StatusOr<PullObjectReply> PullObjectAndWait(PullObjectRequest request);
  absl::StatusOr<FreeObjectsReply> FreeObjectsAndWait(FreeObjectsRequest request);
  // The autoscaler's drain of an idle node (one attempt: it asks again next loop).
  absl::StatusOr<DrainNodeReply> DrainNodeAndWait(DrainNodeRequest request);

 private:
  CallSpec Spec(const char* name, const RetryPolicy& policy) const;

  EventLoop& loop_;
  const std::string address_;
  const std::string token_;
  const Options options_;
  // Shared with the calls in flight, which may outlive this client.
  const std::shared_ptr<RayletService::Stub> stub_;
};

}  // namespace rpc
}  // namespace photon
