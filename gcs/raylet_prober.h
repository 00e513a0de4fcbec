#pragma once

// RayletProber: the HealthChecker's probe over gRPC. Sends RayletService.
// HealthCheck to a node's raylet with the configured deadline and reports
// success or failure back on the GCS loop. Keeps one client (one channel)
// per node.
//
//   RayletProber prober(loop, token, timeout);
//   prober.SetAddress(node, "10.0.0.5:41234");
//   prober.Probe(node, [](bool healthy) { ... });
//
// Runs only on the GCS loop.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "core/common/event_loop.h"
#include "core/common/id.h"
#include "core/rpc/raylet_client.h"

namespace photon {
namespace gcs {

class RayletProber {
 public:
  RayletProber(EventLoop& loop, std::string token, std::chrono::milliseconds timeout);

  void SetAddress(const NodeID& node, const std::string& address);
  void Forget(const NodeID& node);

  // Unknown nodes are unhealthy.
  void Probe(const NodeID& node, std::function<void(bool healthy)> done);

 private:
  EventLoop& loop_;
  const std::string token_;
  const std::chrono::milliseconds timeout_;
  absl::flat_hash_map<NodeID, std::unique_ptr<rpc::RayletClient>> raylets_;
};

}  // namespace gcs
}  // namespace photon
