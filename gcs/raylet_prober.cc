#include "gcs/raylet_prober.h"

namespace photon {
namespace gcs {

RayletProber::RayletProber(EventLoop& loop, std::string token, std::chrono::milliseconds timeout)
    : loop_(loop), token_(std::move(token)), timeout_(timeout) {}

void RayletProber::SetAddress(const NodeID& node, const std::string& address) {
  rpc::RayletClient::Options options;
  options.health_check_timeout = timeout_;
  raylets_[node] = std::make_unique<rpc::RayletClient>(loop_, address, token_, options);
}

void RayletProber::Forget(const NodeID& node) { raylets_.erase(node); }

void RayletProber::Probe(const NodeID& node, std::function<void(bool healthy)> done) {
  auto it = raylets_.find(node);
  if (it == raylets_.end()) {
    loop_.Post("HealthCheck.UnknownNode", [done = std::move(done)] { done(false); });
    return;
  }
  // A client replaced or forgotten while its call is in flight still
  // completes it: the call holds the stub.
  it->second->HealthCheck(
      [done = std::move(done)](absl::StatusOr<rpc::HealthCheckReply> reply) { done(reply.ok()); });
}

}  // namespace gcs
}  // namespace photon
