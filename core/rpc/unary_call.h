#pragma once

// The one way Photon makes a unary gRPC call: the cluster token and a
// deadline on each attempt, retry with backoff while the peer is
// UNAVAILABLE (RetryPolicy), and the outcome as absl::StatusOr<Reply>,
// either posted to an EventLoop (StartCall) or waited for by the caller
// (CallAndWait). The typed clients (RayletClient, CoreWorkerClient,
// gcs::AsyncGcsClient) are written with it; nobody else starts a call on a
// stub.
//
//   CallSpec spec{"Raylet.HealthCheck", "10.0.0.5:41234", token, policy};
//   StartCall<HealthCheckReply>(
//       loop, spec,
//       BindAttempt(stub, &RayletService::StubInterface::async_interface::HealthCheck, HealthCheckRequest()),
//       [this](absl::StatusOr<HealthCheckReply> reply) { OnHealth(reply.status()); });
//
//   absl::StatusOr<HealthCheckReply> now = CallAndWait(spec, BindAttempt(stub, ..., HealthCheckRequest()));
//
// Codes carry over from gRPC with the peer's message. UNAVAILABLE and
// DEADLINE_EXCEEDED, where the peer may not have answered at all, also name
// the call and the address: "Raylet.HealthCheck to 10.0.0.5:41234 failed:
// failed to connect to all addresses".
//
// Free functions, thread-safe: a call may start on any thread.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/rpc/retry_policy.h"

namespace photon {
namespace rpc {

// Receives the outcome of a call.
template <typename Reply>
using ReplyCallback = std::function<void(absl::StatusOr<Reply>)>;

// Starts one attempt with gRPC's callback API; `done` runs on a gRPC thread.
template <typename Reply>
using AttemptFn = std::function<void(grpc::ClientContext*, Reply*, std::function<void(grpc::Status)> done)>;

// What is called, where, and how.
struct CallSpec {
  // "Raylet.RequestWorkerLease": names the loop handler and the call in
  // errors. Must outlive the loop: a string literal.
  const char* name;
  // HOST:PORT of the peer.
  std::string address;
  std::string token;
  RetryPolicy policy;
};

// OK, or the gRPC code and message; for UNAVAILABLE and DEADLINE_EXCEEDED
// the message names the call and the address as well.
absl::Status CallStatus(const CallSpec& spec, const grpc::Status& status);

// An AttemptFn calling `method` (a method of the service's
// StubInterface::async_interface) on `stub` with `request`. The stub and
// the request live as long as the call, its retries included.
template <typename Stub, typename Interface, typename Request, typename Reply>
AttemptFn<Reply> BindAttempt(std::shared_ptr<Stub> stub,
                             void (Interface::*method)(grpc::ClientContext*, const Request*, Reply*,
                                                       std::function<void(grpc::Status)>),
                             Request request) {
  auto shared = std::make_shared<const Request>(std::move(request));
  return [stub = std::move(stub), method, shared](grpc::ClientContext* context, Reply* reply,
                                                  std::function<void(grpc::Status)> done) {
    (stub->async()->*method)(context, shared.get(), reply, std::move(done));
  };
}

namespace rpc_internal {

// Puts the token and the attempt's deadline on a fresh context.
void PrepareAttempt(grpc::ClientContext* context, const std::string& token, const RetryPolicy& policy);

// One call whose attempts complete on a loop. Owns itself from Start until
// `finish` has run (or, when the loop is destroyed first, to the process's
// end: gRPC may still hold the context).
template <typename Reply>
class LoopCall {
 public:
  using Finish = std::function<void(const grpc::Status&, Reply)>;

  static void Start(EventLoop& loop, const char* name, std::string token, RetryPolicy policy,
                    AttemptFn<Reply> attempt, Finish finish) {
    (new LoopCall(loop, name, std::move(token), policy, std::move(attempt), std::move(finish)))->Issue();
  }

 private:
  LoopCall(EventLoop& loop, const char* name, std::string token, RetryPolicy policy, AttemptFn<Reply> attempt,
           Finish finish)
      : loop_(loop),
        gate_(loop.gate()),
        name_(name),
        token_(std::move(token)),
        policy_(policy),
        attempt_fn_(std::move(attempt)),
        finish_(std::move(finish)) {}

  void Issue() {
    context_ = std::make_unique<grpc::ClientContext>();
    PrepareAttempt(context_.get(), token_, policy_);
    reply_ = Reply();
    std::shared_ptr<LoopGate> gate = gate_;
    attempt_fn_(context_.get(), &reply_, [this, gate](grpc::Status status) {
      (void)gate->Post(name_, [this, status] { OnAttemptDone(status); });
    });
  }

  void OnAttemptDone(const grpc::Status& status) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE && ++attempts_ < policy_.max_attempts) {
      loop_.RunAfter(name_, BackoffFor(policy_, attempts_), [this] { Issue(); });
      return;
    }
    finish_(status, std::move(reply_));
    delete this;
  }

  EventLoop& loop_;
  std::shared_ptr<LoopGate> gate_;
  const char* name_;
  std::string token_;
  RetryPolicy policy_;
  AttemptFn<Reply> attempt_fn_;
  Finish finish_;
  int attempts_ = 0;  // retries so far
  std::unique_ptr<grpc::ClientContext> context_;
  Reply reply_;
};

}  // namespace rpc_internal

// Starts the call; `done` (may be empty) runs on `loop` exactly once with the
// reply or the error. Dropped with the call when the loop is destroyed first.
template <typename Reply>
void StartCall(EventLoop& loop, CallSpec spec, AttemptFn<Reply> attempt, ReplyCallback<Reply> done) {
  const char* name = spec.name;
  std::string token = std::move(spec.token);
  const RetryPolicy policy = spec.policy;
  rpc_internal::LoopCall<Reply>::Start(
      loop, name, std::move(token), policy, std::move(attempt),
      [spec = std::move(spec), done = std::move(done)](const grpc::Status& status, Reply reply) {
        if (!done) return;
        if (status.ok()) return done(std::move(reply));
        done(CallStatus(spec, status));
      });
}

// The same call, made on the calling thread, which waits for the outcome
// (backoffs included). Needs no loop, so it is safe while a loop shuts down.
// REQUIRES: not called on an EventLoop's thread (it would stall that loop).
template <typename Reply>
absl::StatusOr<Reply> CallAndWait(const CallSpec& spec, const AttemptFn<Reply>& attempt) {
  grpc::Status status;
  for (int i = 0; i < spec.policy.max_attempts; i++) {
    if (i > 0) std::this_thread::sleep_for(BackoffFor(spec.policy, i));
    grpc::ClientContext context;
    rpc_internal::PrepareAttempt(&context, spec.token, spec.policy);
    Reply reply;
    std::promise<grpc::Status> finished;
    attempt(&context, &reply, [&finished](grpc::Status s) { finished.set_value(std::move(s)); });
    status = finished.get_future().get();
    if (status.ok()) return reply;
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
  }
  return CallStatus(spec, status);
}

}  // namespace rpc
}  // namespace photon
