#pragma once

// Client-side calls on raw stubs, for code not yet on the typed clients
// (core/rpc/raylet_client.h, core_worker_client.h, gcs/client/): blocking
// calls with retry (the blocking GcsClient, CLI, tests, benchmarks), and the
// legacy CallAsync/StubCache, which the core worker's own files use until
// they switch to the typed clients and ClientCache (then they go).
//
// Blocking:
//
//   auto stub = rpc::NodeInfoGcsService::NewStub(MakeChannel("127.0.0.1:6379"));
//   GetAllNodeInfoReply reply;
//   grpc::Status s = CallWithRetry(token, RetryPolicy{}, [&](grpc::ClientContext* ctx) {
//     return stub->GetAllNodeInfo(ctx, GetAllNodeInfoRequest(), &reply);
//   });
//
// Only UNAVAILABLE is retried (the peer is down or restarting); a deadline
// exceeded or any other error is returned to the caller at once.
//
// Free functions are thread-safe; StubCache is thread-compatible.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/common/event_loop.h"
#include "core/rpc/auth.h"
#include "core/rpc/channel.h"
#include "core/rpc/retry_policy.h"
#include "core/rpc/unary_call.h"

namespace photon {
namespace rpc {

// Legacy: one stub per address, made on first use (one channel each).
// New code uses ClientCache (core/rpc/client_cache.h).
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

// Runs `attempt` with a fresh context (token + deadline) until it returns
// anything but UNAVAILABLE or the attempts run out. Blocks the caller.
grpc::Status CallWithRetry(const std::string& token, const RetryPolicy& policy,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt);

// Legacy: starts an asynchronous call; `done` runs on `loop` exactly once
// with the final status and reply. `name` must be a string literal. New
// code uses a typed client (which calls StartCall, core/rpc/unary_call.h).
template <typename Reply>
void CallAsync(EventLoop& loop, const char* name, const std::string& token, const RetryPolicy& policy,
               AttemptFn<Reply> start, std::function<void(grpc::Status, Reply)> done) {
  rpc_internal::LoopCall<Reply>::Start(loop, name, token, policy, std::move(start),
                                       [done = std::move(done)](const grpc::Status& status, Reply reply) {
                                         done(status, std::move(reply));
                                       });
}

}  // namespace rpc
}  // namespace photon
