#pragma once

// Blocking calls with retry on raw stubs, for the blocking GcsClient (every
// GCS service in one client) and tests that poke a service directly; every
// other caller uses a typed client (core/rpc/raylet_client.h,
// core_worker_client.h, gcs/client/async_gcs_client.h).
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
// Thread-safe.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "core/rpc/auth.h"
#include "core/rpc/channel.h"
#include "core/rpc/retry_policy.h"

namespace photon {
namespace rpc {

// Runs `attempt` with a fresh context (token + deadline) until it returns
// anything but UNAVAILABLE or the attempts run out. Blocks the caller.
grpc::Status CallWithRetry(const std::string& token, const RetryPolicy& policy,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt);

}  // namespace rpc
}  // namespace photon
