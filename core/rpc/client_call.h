#pragma once

// Client-side calls: channels, the token and deadline on every call, and
// retry with exponential backoff while the peer is UNAVAILABLE.
//
// Blocking (CLI, tests, benchmarks):
//
//   auto stub = rpc::NodeInfoGcsService::NewStub(MakeChannel("127.0.0.1:6379"));
//   GetAllNodeInfoReply reply;
//   grpc::Status s = CallWithRetry(token, RetryPolicy{}, [&](grpc::ClientContext* ctx) {
//     return stub->GetAllNodeInfo(ctx, GetAllNodeInfoRequest(), &reply);
//   });
//
// Asynchronous, completing on a daemon's loop (raylet -> GCS):
//
//   CallAsync<ReportResourceUsageReply>(
//       loop, "Gcs.ReportResourceUsage", token, policy,
//       [stub, req](grpc::ClientContext* ctx, ReportResourceUsageReply* reply, auto on_done) {
//         stub->async()->ReportResourceUsage(ctx, &req, reply, std::move(on_done));
//       },
//       [this](grpc::Status s, ReportResourceUsageReply reply) { OnReported(s); });
//
// Only UNAVAILABLE is retried (the peer is down or restarting); a deadline
// exceeded or any other error is returned to the caller at once.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/common/event_loop.h"
#include "core/rpc/auth.h"

namespace photon {
namespace rpc {

struct RetryPolicy {
  // Deadline of each attempt.
  std::chrono::milliseconds attempt_timeout{10000};
  // Attempts in all, the first included (1 = no retry).
  int max_attempts = 5;
  // Backoff before the second attempt; doubles up to max_backoff.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
};

// An insecure channel (the token authenticates) with keepalive and large messages.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

// One stub per address, made on first use (one channel each).
//
//   StubCache<RayletService> raylets;
//   raylets.For("10.0.0.5:41234").async()->HealthCheck(...);
//
// Thread-compatible: each owner uses it from one thread (its loop).
template <typename Service>
class StubCache {
 public:
  typename Service::Stub& For(const std::string& address) {
    auto& stub = stubs_[address];
    if (!stub) stub = Service::NewStub(MakeChannel(address));
    return *stub;
  }

 private:
  std::unordered_map<std::string, std::unique_ptr<typename Service::Stub>> stubs_;
};

// Backoff before attempt number `attempt` (1-based retries).
std::chrono::milliseconds BackoffFor(const RetryPolicy& policy, int attempt);

// Runs `attempt` with a fresh context (token + deadline) until it returns
// anything but UNAVAILABLE or the attempts run out. Blocks the caller.
grpc::Status CallWithRetry(const std::string& token, const RetryPolicy& policy,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt);

namespace rpc_internal {

template <typename Reply>
class AsyncCallState {
 public:
  using StartFn =
      std::function<void(grpc::ClientContext*, Reply*, std::function<void(grpc::Status)>)>;
  using DoneFn = std::function<void(grpc::Status, Reply)>;

  AsyncCallState(EventLoop& loop, const char* name, std::string token, RetryPolicy policy,
                 StartFn start, DoneFn done)
      : loop_(loop),
        gate_(loop.gate()),
        name_(name),
        token_(std::move(token)),
        policy_(policy),
        start_(std::move(start)),
        done_(std::move(done)) {}

  void Issue() {
    context_ = std::make_unique<grpc::ClientContext>();
    SetAuthToken(context_.get(), token_);
    context_->set_deadline(std::chrono::system_clock::now() + policy_.attempt_timeout);
    reply_ = Reply();
    // The completion may come after the loop is gone (a call still in flight
    // when its owner shut down): it is then dropped, and this state is left
    // to the process's end (gRPC may still hold on to the context).
    std::shared_ptr<LoopGate> gate = gate_;
    start_(context_.get(), &reply_, [this, gate](grpc::Status status) {
      (void)gate->Post(name_, [this, status] { OnDone(status); });
    });
  }

 private:
  void OnDone(const grpc::Status& status) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE && ++attempt_ < policy_.max_attempts) {
      loop_.RunAfter(name_, BackoffFor(policy_, attempt_), [this] { Issue(); });
      return;
    }
    done_(status, std::move(reply_));
    delete this;
  }

  EventLoop& loop_;
  std::shared_ptr<LoopGate> gate_;
  const char* name_;
  std::string token_;
  RetryPolicy policy_;
  StartFn start_;
  DoneFn done_;
  int attempt_ = 0;
  std::unique_ptr<grpc::ClientContext> context_;
  Reply reply_;
};

}  // namespace rpc_internal

// Starts an asynchronous call; `done` runs on `loop` exactly once with the
// final status and reply. `name` must be a string literal.
template <typename Reply>
void CallAsync(EventLoop& loop, const char* name, const std::string& token,
               const RetryPolicy& policy,
               typename rpc_internal::AsyncCallState<Reply>::StartFn start,
               typename rpc_internal::AsyncCallState<Reply>::DoneFn done) {
  // Owns itself until `done` has run.
  auto* state = new rpc_internal::AsyncCallState<Reply>(loop, name, token, policy, std::move(start),
                                                        std::move(done));
  state->Issue();
}

}  // namespace rpc
}  // namespace photon
