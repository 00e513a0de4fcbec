#include "core/rpc/raylet_client.h"

#include "core/rpc/channel.h"

namespace photon {
namespace rpc {
namespace {

using Async = RayletService::StubInterface::async_interface;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Each RPC's name (its loop handler, and in errors) and policy: the deadline
// of one attempt and the attempts in all (UNAVAILABLE is retried).
struct Rpc {
  const char* name;
  RetryPolicy policy;
};

// HealthCheck: one attempt; the deadline is Options::health_check_timeout.
constexpr const char* kHealthCheck = "Raylet.HealthCheck";
constexpr Rpc kGetNodeStats{"Raylet.GetNodeStats", {seconds(10), 5}};
// Waits at the raylet while resources are busy, hence the week.
constexpr Rpc kRequestWorkerLease{"Raylet.RequestWorkerLease", {hours(24 * 7), 3}};
constexpr Rpc kReturnWorker{"Raylet.ReturnWorker", {seconds(5), 3}};
constexpr Rpc kRegisterWorker{"Raylet.RegisterWorker", {seconds(10), 5}};
// PullObject: one attempt; the deadline is the request's timeout_ms plus
// kPullGrace (the raylet gives up by then and says why), or a week
// without a timeout.
constexpr const char* kPullObject = "Raylet.PullObject";
constexpr milliseconds kPullGrace = seconds(1);
constexpr Rpc kFreeObjects{"Raylet.FreeObjects", {seconds(2), 2}};
// Sequence-numbered, so a retry that overtakes a later one does no harm.
constexpr Rpc kNotifyWorkerBlocked{"Raylet.NotifyWorkerBlocked", {seconds(5), 3}};
constexpr Rpc kWatchDriver{"Raylet.WatchDriver", {seconds(5), 3}};
constexpr Rpc kDrainNode{"Raylet.DrainNode", {seconds(3), 1}};
constexpr Rpc kPrepareBundles{"Raylet.PrepareBundles", {seconds(5), 2}};
constexpr Rpc kCommitBundles{"Raylet.CommitBundles", {seconds(5), 2}};
constexpr Rpc kCancelBundles{"Raylet.CancelBundles", {seconds(5), 2}};

RetryPolicy Once(milliseconds deadline) { return RetryPolicy{deadline, 1}; }

RetryPolicy PullPolicy(const PullObjectRequest& request) {
  if (request.timeout_ms() <= 0) return Once(hours(24 * 7));
  return Once(milliseconds(request.timeout_ms()) + kPullGrace);
}

}  // namespace

RayletClient::RayletClient(EventLoop& loop, std::string address, std::string token)
    : RayletClient(loop, std::move(address), std::move(token), Options()) {}

RayletClient::RayletClient(EventLoop& loop, std::string address, std::string token, Options options)
    : loop_(loop),
      address_(std::move(address)),
      token_(std::move(token)),
      options_(options),
      stub_(RayletService::NewStub(MakeChannel(address_))) {}

CallSpec RayletClient::Spec(const char* name, const RetryPolicy& policy) const {
  return CallSpec{name, address_, token_, policy};
}

void RayletClient::HealthCheck(ReplyCallback<HealthCheckReply> done) {
  StartCall<HealthCheckReply>(loop_, Spec(kHealthCheck, Once(options_.health_check_timeout)),
                              BindAttempt(stub_, &Async::HealthCheck, HealthCheckRequest()), std::move(done));
}

void RayletClient::GetNodeStats(ReplyCallback<GetNodeStatsReply> done) {
  StartCall<GetNodeStatsReply>(loop_, Spec(kGetNodeStats.name, kGetNodeStats.policy),
                               BindAttempt(stub_, &Async::GetNodeStats, GetNodeStatsRequest()), std::move(done));
}

void RayletClient::RequestWorkerLease(RequestWorkerLeaseRequest request,
                                      ReplyCallback<RequestWorkerLeaseReply> done) {
  StartCall<RequestWorkerLeaseReply>(loop_, Spec(kRequestWorkerLease.name, kRequestWorkerLease.policy),
                                     BindAttempt(stub_, &Async::RequestWorkerLease, std::move(request)),
                                     std::move(done));
}

void RayletClient::ReturnWorker(ReturnWorkerRequest request, ReplyCallback<ReturnWorkerReply> done) {
  StartCall<ReturnWorkerReply>(loop_, Spec(kReturnWorker.name, kReturnWorker.policy),
                               BindAttempt(stub_, &Async::ReturnWorker, std::move(request)), std::move(done));
}

void RayletClient::RegisterWorker(RegisterWorkerRequest request, ReplyCallback<RegisterWorkerReply> done) {
  StartCall<RegisterWorkerReply>(loop_, Spec(kRegisterWorker.name, kRegisterWorker.policy),
                                 BindAttempt(stub_, &Async::RegisterWorker, std::move(request)), std::move(done));
}

void RayletClient::PullObject(PullObjectRequest request, ReplyCallback<PullObjectReply> done) {
  const RetryPolicy policy = PullPolicy(request);  // before `request` moves
  StartCall<PullObjectReply>(loop_, Spec(kPullObject, policy),
                             BindAttempt(stub_, &Async::PullObject, std::move(request)), std::move(done));
}

void RayletClient::FreeObjects(FreeObjectsRequest request, ReplyCallback<FreeObjectsReply> done) {
  StartCall<FreeObjectsReply>(loop_, Spec(kFreeObjects.name, kFreeObjects.policy),
                              BindAttempt(stub_, &Async::FreeObjects, std::move(request)), std::move(done));
}

void RayletClient::WatchDriver(WatchDriverRequest request, ReplyCallback<WatchDriverReply> done) {
  StartCall<WatchDriverReply>(loop_, Spec(kWatchDriver.name, kWatchDriver.policy),
                              BindAttempt(stub_, &Async::WatchDriver, std::move(request)), std::move(done));
}

void RayletClient::NotifyWorkerBlocked(NotifyWorkerBlockedRequest request,
                                       ReplyCallback<NotifyWorkerBlockedReply> done) {
  StartCall<NotifyWorkerBlockedReply>(loop_, Spec(kNotifyWorkerBlocked.name, kNotifyWorkerBlocked.policy),
                                      BindAttempt(stub_, &Async::NotifyWorkerBlocked, std::move(request)),
                                      std::move(done));
}

void RayletClient::PrepareBundles(PrepareBundlesRequest request, ReplyCallback<PrepareBundlesReply> done) {
  StartCall<PrepareBundlesReply>(loop_, Spec(kPrepareBundles.name, kPrepareBundles.policy),
                                 BindAttempt(stub_, &Async::PrepareBundles, std::move(request)), std::move(done));
}

void RayletClient::CommitBundles(CommitBundlesRequest request, ReplyCallback<CommitBundlesReply> done) {
  StartCall<CommitBundlesReply>(loop_, Spec(kCommitBundles.name, kCommitBundles.policy),
                                BindAttempt(stub_, &Async::CommitBundles, std::move(request)), std::move(done));
}

void RayletClient::CancelBundles(CancelBundlesRequest request, ReplyCallback<CancelBundlesReply> done) {
  StartCall<CancelBundlesReply>(loop_, Spec(kCancelBundles.name, kCancelBundles.policy),
                                BindAttempt(stub_, &Async::CancelBundles, std::move(request)), std::move(done));
}

absl::StatusOr<GetNodeStatsReply> RayletClient::GetNodeStatsAndWait() {
  return CallAndWait(Spec(kGetNodeStats.name, kGetNodeStats.policy),
                     BindAttempt(stub_, &Async::GetNodeStats, GetNodeStatsRequest()));
}

absl::StatusOr<DrainNodeReply> RayletClient::DrainNodeAndWait(DrainNodeRequest request) {
  return CallAndWait(Spec(kDrainNode.name, kDrainNode.policy), BindAttempt(stub_, &Async::DrainNode, std::move(request)));
}

absl::StatusOr<RegisterWorkerReply> RayletClient::RegisterWorkerAndWait(RegisterWorkerRequest request) {
  return CallAndWait(Spec(kRegisterWorker.name, kRegisterWorker.policy),
                     BindAttempt(stub_, &Async::RegisterWorker, std::move(request)));
}

absl::StatusOr<ReturnWorkerReply> RayletClient::ReturnWorkerAndWait(ReturnWorkerRequest request) {
  return CallAndWait(Spec(kReturnWorker.name, kReturnWorker.policy),
                     BindAttempt(stub_, &Async::ReturnWorker, std::move(request)));
}

absl::StatusOr<PullObjectReply> RayletClient::PullObjectAndWait(PullObjectRequest request) {
  const RetryPolicy policy = PullPolicy(request);  // before `request` moves
  return CallAndWait(Spec(kPullObject, policy), BindAttempt(stub_, &Async::PullObject, std::move(request)));
}

absl::StatusOr<FreeObjectsReply> RayletClient::FreeObjectsAndWait(FreeObjectsRequest request) {
  return CallAndWait(Spec(kFreeObjects.name, kFreeObjects.policy),
                     BindAttempt(stub_, &Async::FreeObjects, std::move(request)));
}

}  // namespace rpc
}  // namespace photon
