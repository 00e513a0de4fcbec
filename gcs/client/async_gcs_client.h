#pragma once

// AsyncGcsClient: the GCS calls a daemon or a core worker makes from its
// loop without blocking it: a raylet registering its node, reporting its
// resources and forwarding its workers' output, and a core worker creating
// placement groups and finding where their bundles are. One method per RPC; each RPC's deadline and retry
// policy is defined once, in async_gcs_client.cc. Errors are absl::Status
// with gRPC's code; where the GCS may not have answered (UNAVAILABLE,
// DEADLINE_EXCEEDED) they name the call and the GCS's address
// (core/rpc/unary_call.h).
//
// A class apart from the blocking GcsClient: that one has no loop and is
// used where there is none (CLI, tests, benchmarks, drivers' user threads);
// these calls complete on a loop, which a GcsClient user would otherwise
// have to supply.
//
//   AsyncGcsClient gcs(loop, {.address = "127.0.0.1:6379", .token = token});
//   gcs.ReportResourceUsage(request, [this](absl::StatusOr<rpc::ReportResourceUsageReply> r) {
//     OnReported(r.status());                                  // runs on `loop`
//   });
//
// Requests are taken by value (move one in to spare a copy): the call keeps
// it until it ends, retries included. Callbacks run on `loop`, exactly once;
// they may be empty.
//
// Thread-safe: immutable after construction; calls may start on any thread.

#include <chrono>
#include <memory>
#include <string>

#include "core/common/event_loop.h"
#include "core/rpc/unary_call.h"
#include "proto/gcs.grpc.pb.h"

namespace photon {
namespace gcs {

class AsyncGcsClient {
 public:
  struct Options {
    std::string address;  // HOST:PORT
    std::string token;
    // How often the caller reports its resources: ReportResourceUsage's
    // deadline is this or 1 s, whichever is longer, so a slow GCS is not
    // sent a second report while the first is in flight.
    std::chrono::milliseconds report_period{1000};
  };

  AsyncGcsClient(EventLoop& loop, Options options);

  const std::string& address() const { return options_.address; }

  void RegisterNode(rpc::RegisterNodeRequest request, rpc::ReplyCallback<rpc::RegisterNodeReply> done);
  void ReportResourceUsage(rpc::ReportResourceUsageRequest request,
                           rpc::ReplyCallback<rpc::ReportResourceUsageReply> done);
  void PublishWorkerLogs(rpc::PublishWorkerLogsRequest request,
                         rpc::ReplyCallback<rpc::PublishWorkerLogsReply> done);
  void ReportWorkerFailure(rpc::ReportWorkerFailureRequest request,
                           rpc::ReplyCallback<rpc::ReportWorkerFailureReply> done);
  // Not retried: a second attempt would find the group (its name) taken.
  void CreatePlacementGroup(rpc::CreatePlacementGroupRequest request,
                            rpc::ReplyCallback<rpc::CreatePlacementGroupReply> done);
  void GetPlacementGroup(rpc::GetPlacementGroupRequest request,
                         rpc::ReplyCallback<rpc::GetPlacementGroupReply> done);
  // The GCS holds the call up to request.timeout_ms(); the deadline is 5 s more.
  void WaitPlacementGroupReady(rpc::WaitPlacementGroupReadyRequest request,
                               rpc::ReplyCallback<rpc::WaitPlacementGroupReadyReply> done);

 private:
  rpc::CallSpec Spec(const char* name, const rpc::RetryPolicy& policy) const;

  EventLoop& loop_;
  const Options options_;
  const std::shared_ptr<grpc::Channel> channel_;  // one for all five services
  // Shared with the calls in flight, which may outlive this client.
  const std::shared_ptr<rpc::NodeInfoGcsService::Stub> nodes_;
  const std::shared_ptr<rpc::NodeResourceGcsService::Stub> resources_;
  const std::shared_ptr<rpc::PubsubGcsService::Stub> pubsub_;
  const std::shared_ptr<rpc::PlacementGroupInfoGcsService::Stub> placement_groups_;
  const std::shared_ptr<rpc::ActorInfoGcsService::Stub> actors_;
};

}  // namespace gcs
}  // namespace photon
