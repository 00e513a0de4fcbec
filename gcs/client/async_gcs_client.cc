#include "gcs/client/async_gcs_client.h"

#include <algorithm>

#include "core/rpc/channel.h"
#include "gcs/client/gcs_retry.h"

namespace photon {
namespace gcs {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// The deadline of one attempt and the attempts in all (UNAVAILABLE is
// retried, with backoff up to max_backoff).
// RegisterNode: after the last attempt the raylet starts another round.
constexpr rpc::RetryPolicy kRegisterNode{seconds(5), 5, milliseconds(100), seconds(1)};
// ReportResourceUsage: one attempt (the next report follows); the deadline
// is Options::report_period, at least kMinReportDeadline.
constexpr milliseconds kMinReportDeadline = seconds(1);
// PublishWorkerLogs: one attempt; what fails is dropped (the files keep it).
constexpr rpc::RetryPolicy kPublishWorkerLogs{seconds(5), 1};
constexpr rpc::RetryPolicy kGetPlacementGroup{seconds(5), 3};
// Plus the time the GCS holds the call.
constexpr milliseconds kWaitPlacementGroupSlack = seconds(5);
// Retried through a GCS restart: an owner's actors must not outlive it.
constexpr rpc::RetryPolicy kReportWorkerFailure{seconds(5), 6};

}  // namespace

AsyncGcsClient::AsyncGcsClient(EventLoop& loop, Options options)
    : loop_(loop),
      options_(std::move(options)),
      channel_(rpc::MakeChannel(options_.address)),
      nodes_(rpc::NodeInfoGcsService::NewStub(channel_)),
      resources_(rpc::NodeResourceGcsService::NewStub(channel_)),
      pubsub_(rpc::PubsubGcsService::NewStub(channel_)),
      placement_groups_(rpc::PlacementGroupInfoGcsService::NewStub(channel_)),
      actors_(rpc::ActorInfoGcsService::NewStub(channel_)) {}

rpc::CallSpec AsyncGcsClient::Spec(const char* name, const rpc::RetryPolicy& policy) const {
  return rpc::CallSpec{name, options_.address, options_.token, policy};
}

void AsyncGcsClient::RegisterNode(rpc::RegisterNodeRequest request,
                                  rpc::ReplyCallback<rpc::RegisterNodeReply> done) {
  using Async = rpc::NodeInfoGcsService::StubInterface::async_interface;
  rpc::StartCall<rpc::RegisterNodeReply>(loop_, Spec("Gcs.RegisterNode", kRegisterNode),
                                         rpc::BindAttempt(nodes_, &Async::RegisterNode, std::move(request)),
                                         std::move(done));
}

void AsyncGcsClient::ReportResourceUsage(rpc::ReportResourceUsageRequest request,
                                         rpc::ReplyCallback<rpc::ReportResourceUsageReply> done) {
  using Async = rpc::NodeResourceGcsService::StubInterface::async_interface;
  const rpc::RetryPolicy once{std::max(options_.report_period, kMinReportDeadline), 1};
  rpc::StartCall<rpc::ReportResourceUsageReply>(
      loop_, Spec("Gcs.ReportResourceUsage", once),
      rpc::BindAttempt(resources_, &Async::ReportResourceUsage, std::move(request)), std::move(done));
}

void AsyncGcsClient::PublishWorkerLogs(rpc::PublishWorkerLogsRequest request,
                                       rpc::ReplyCallback<rpc::PublishWorkerLogsReply> done) {
  using Async = rpc::PubsubGcsService::StubInterface::async_interface;
  rpc::StartCall<rpc::PublishWorkerLogsReply>(loop_, Spec("Gcs.PublishWorkerLogs", kPublishWorkerLogs),
                                              rpc::BindAttempt(pubsub_, &Async::PublishWorkerLogs, std::move(request)),
                                              std::move(done));
}

void AsyncGcsClient::ReportWorkerFailure(rpc::ReportWorkerFailureRequest request,
                                         rpc::ReplyCallback<rpc::ReportWorkerFailureReply> done) {
  using Async = rpc::ActorInfoGcsService::StubInterface::async_interface;
  rpc::StartCall<rpc::ReportWorkerFailureReply>(loop_, Spec("Gcs.ReportWorkerFailure", kReportWorkerFailure),
                                                rpc::BindAttempt(actors_, &Async::ReportWorkerFailure, std::move(request)),
                                                std::move(done));
}

void AsyncGcsClient::CreatePlacementGroup(rpc::CreatePlacementGroupRequest request,
                                          rpc::ReplyCallback<rpc::CreatePlacementGroupReply> done) {
  using Async = rpc::PlacementGroupInfoGcsService::StubInterface::async_interface;
  rpc::StartCall<rpc::CreatePlacementGroupReply>(
      loop_, Spec("Gcs.CreatePlacementGroup", ThroughGcsRestart(seconds(30))),
      rpc::BindAttempt(placement_groups_, &Async::CreatePlacementGroup, std::move(request)), std::move(done));
}

void AsyncGcsClient::GetPlacementGroup(rpc::GetPlacementGroupRequest request,
                                       rpc::ReplyCallback<rpc::GetPlacementGroupReply> done) {
  using Async = rpc::PlacementGroupInfoGcsService::StubInterface::async_interface;
  rpc::StartCall<rpc::GetPlacementGroupReply>(
      loop_, Spec("Gcs.GetPlacementGroup", kGetPlacementGroup),
      rpc::BindAttempt(placement_groups_, &Async::GetPlacementGroup, std::move(request)), std::move(done));
}

void AsyncGcsClient::WaitPlacementGroupReady(rpc::WaitPlacementGroupReadyRequest request,
                                             rpc::ReplyCallback<rpc::WaitPlacementGroupReadyReply> done) {
  using Async = rpc::PlacementGroupInfoGcsService::StubInterface::async_interface;
  const rpc::RetryPolicy held{milliseconds(std::max<int64_t>(0, request.timeout_ms())) + kWaitPlacementGroupSlack, 1};
  rpc::StartCall<rpc::WaitPlacementGroupReadyReply>(
      loop_, Spec("Gcs.WaitPlacementGroupReady", held),
      rpc::BindAttempt(placement_groups_, &Async::WaitPlacementGroupReady, std::move(request)), std::move(done));
}

}  // namespace gcs
}  // namespace photon
