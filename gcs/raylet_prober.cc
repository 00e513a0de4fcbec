#include "gcs/raylet_prober.h"

#include "core/rpc/client_call.h"

namespace photon {
namespace gcs {

RayletProber::RayletProber(EventLoop& loop, std::string token, std::chrono::milliseconds timeout)
    : loop_(loop), token_(std::move(token)), timeout_(timeout) {}

void RayletProber::SetAddress(const NodeID& node, const std::string& address) {
  stubs_[node] = rpc::RayletService::NewStub(rpc::MakeChannel(address));
}

void RayletProber::Forget(const NodeID& node) { stubs_.erase(node); }

void RayletProber::Probe(const NodeID& node, std::function<void(bool healthy)> done) {
  auto it = stubs_.find(node);
  if (it == stubs_.end()) {
    loop_.Post("HealthCheck.UnknownNode", [done = std::move(done)] { done(false); });
    return;
  }
  rpc::RetryPolicy once;
  once.max_attempts = 1;
  once.attempt_timeout = timeout_;
  rpc::RayletService::Stub* stub = it->second.get();
  // The stub may be replaced while the call is in flight; the channel lives
  // on inside gRPC until the call completes, so the call only needs the
  // request, which is empty and static.
  static const rpc::HealthCheckRequest kRequest;
  rpc::CallAsync<rpc::HealthCheckReply>(
      loop_, "HealthCheck.Reply", token_, once,
      [stub](grpc::ClientContext* ctx, rpc::HealthCheckReply* reply,
             std::function<void(grpc::Status)> on_done) {
        stub->async()->HealthCheck(ctx, &kRequest, reply, std::move(on_done));
      },
      [done = std::move(done)](grpc::Status status, rpc::HealthCheckReply) { done(status.ok()); });
}

}  // namespace gcs
}  // namespace photon
