#pragma once

// Autoscaler: one loop of demand to nodes and back. Each RunOnce:
//   1. reads the cluster (GcsClient::GetClusterStatus) and the provider's
//      instances, and moves each recorded instance on: requested ->
//      running once a node with its photon.io/instance-id label is alive;
//      failed when the provider lost it or it is not up within
//      launch_timeout_s (counted, never retried forever); draining ->
//      terminated once its node has drained (back to running when work
//      reached it during the drain);
//   2. decides (scaling_policy.h) on the nodes, the queued demand, the
//      pending placement groups and request_resources() constraints;
//   3. records new instances, then asks the provider for them; asks idle
//      nodes to drain (DrainNode: a busy node refuses); terminates drained
//      ones through the provider;
//   4. stores its report (instances, launches in flight, recent decisions,
//      infeasible demand) in the GCS for `photon status` and the dashboard.
//
//   Autoscaler autoscaler({.gcs = gcs, .provider = provider.get(), .config = config, .token = token});
//   RETURN_IF_ERROR(autoscaler.Start());        // adopts the stored instances
//   while (running) { autoscaler.RunOnce(); sleep(config.loop_period_s); }
//
// Thread-compatible (one loop).

#include <deque>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "autoscaler/autoscaler_config.h"
#include "autoscaler/instance_store.h"
#include "autoscaler/node_provider.h"
#include "autoscaler/scaling_policy.h"
#include "core/common/event_loop.h"
#include "core/rpc/client_cache.h"
#include "core/rpc/raylet_client.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace autoscaler {

class Autoscaler {
 public:
  struct Deps {
    gcs::GcsClient& gcs;
    NodeProvider* provider;
    AutoscalerConfig config;
    std::string token;  // for DrainNode on raylets
    std::function<int64_t()> now_ms;
  };
  explicit Autoscaler(Deps deps) : d_(std::move(deps)), store_(d_.gcs), raylets_(loop_, d_.token) {}

  absl::Status Start() { return store_.Load(); }
  absl::Status RunOnce();

 private:
  void Reconcile(const rpc::GetClusterStatusReply& status, const std::map<std::string, ProviderInstance>& listed);
  ScalingInput InputOf(const rpc::GetClusterStatusReply& status);
  void Launch(const ScalingDecision& decision);
  void DrainOrTerminate(const rpc::GetClusterStatusReply& status, const ScalingDecision& decision);
  // True when the raylet at `address` accepted the drain.
  bool AskToDrain(const std::string& address, std::string* why);
  absl::Status Report(const ScalingDecision& decision);

  Deps d_;
  InstanceStore store_;
  // Only the blocking ...AndWait calls are made: the loop never runs.
  EventLoop loop_;
  rpc::ClientCache<rpc::RayletClient> raylets_;
  std::deque<std::string> recent_;  // the last decisions, newest last
};

}  // namespace autoscaler
}  // namespace photon
