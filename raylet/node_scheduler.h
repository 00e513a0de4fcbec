#pragma once

// NodeScheduler: everything the raylet needs to hand out workers.
//
// It keeps the cluster view current from the GCS (NODE and RESOURCES
// pubsub; this node's own entry is authoritative locally), and owns the GPU
// instances, the worker pool, the lease manager and this node's placement
// group bundles. The raylet's RPC handlers forward to it; its resource
// report and demand go to the GCS. Prepared bundles are taken out of the
// node's available resources, so the report never offers them to others.
//
//   NodeScheduler scheduler(options, loop);
//   scheduler.Start();
//   scheduler.RequestLease(request, [](absl::StatusOr<rpc::RequestWorkerLeaseReply> r) { ... });
//
// Runs only on the raylet loop (Start/Stop excepted, from the main thread).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/common/id.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/gcs_subscriber.h"
#include "proto/raylet.pb.h"
#include "raylet/bundle_reservations.h"
#include "raylet/lease_manager.h"
#include "raylet/worker_pool.h"
#include "scheduler/cluster_resource_view.h"
#include "scheduler/gpu_instances.h"
#include "scheduler/scheduling_policy.h"

namespace photon {
namespace raylet {

class NodeScheduler {
 public:
  struct Options {
    NodeID node_id;
    rpc::ResourceSet resources;  // this node's totals
    std::string gcs_address;
    std::string token;
    std::string raylet_address;  // HOST:PORT workers register at
    std::string log_dir;         // workers' output
    // Where the pool reports workers' output files (the log monitor).
    WorkerPool::OutputHooks worker_output;
    // A worker died (crashed or exited), `how` as in "was killed by signal 9".
    std::function<void(const WorkerHandle& worker, const std::string& how)> on_worker_died;
    // Task workers at most, blocked ones included (0: 8 per CPU, at least
    // 64); at most twice the CPUs (at least 4) of them not blocked.
    int max_workers = 0;
  };
  using LeaseDone = std::function<void(absl::StatusOr<rpc::RequestWorkerLeaseReply>)>;
  // One bundle of a placement group that the GCS places on this node.
  struct BundleSpec {
    PlacementGroupID group;
    int index = 0;
    rpc::ResourceSet resources;
  };

  NodeScheduler(Options options, EventLoop& loop);
  ~NodeScheduler();

  void Start();
  void Stop();

  void RequestLease(const rpc::RequestWorkerLeaseRequest& request, LeaseDone done);
  absl::Status ReturnLease(int64_t lease_id, bool worker_died);
  absl::Status RegisterWorker(const WorkerID& worker, int port, int owner_port);
  // A leased worker's task blocked in get/wait, or went on (LeaseManager::SetBlocked).
  void SetWorkerBlocked(const WorkerID& worker, bool blocked, int64_t sequence);

  // The GCS's two-phase commit of placement group bundles (see
  // BundleReservations). Prepare is all-or-nothing: when one bundle fails,
  // the bundles this call prepared are cancelled and the error names the
  // bundle. Commit makes prepared bundles usable by the group's leases.
  // Cancel gives every bundle of the group back and stops the workers
  // leased from them (the group's tasks and actors end with it, as in Ray);
  // OK when none is here.
  absl::Status PrepareBundles(const std::vector<BundleSpec>& bundles);
  absl::Status CommitBundles(const std::vector<BundleSpec>& bundles);
  absl::Status CancelBundles(const PlacementGroupID& group);

  // This node's available resources (reserved bundles excluded) and queued
  // demand, for the GCS report.
  rpc::ResourceSet Available() const;
  std::vector<rpc::ResourceDemand> Demand() const;

  // For the node's stats: its worker processes (WorkerPool::Workers), and
  // the lease requests waiting here, for resources or a bundle (those no
  // node can hold included) or for a worker process.
  std::vector<rpc::WorkerStats> Workers() const { return pool_->Workers(); }
  struct QueuedLeases {
    int64_t queued = 0;  // not granted yet, all of them
    int64_t infeasible = 0;
    int64_t waiting_for_workers = 0;
  };
  QueuedLeases Queued() const;

  // What keeps the node from being idle ("2 leases held, 1 bundle"), or ""
  // when it holds no lease, no queued request and no bundle.
  std::string BusyReason() const;

 private:
  void ApplySnapshot(const std::vector<rpc::PubMessage>& messages);
  void Apply(const rpc::PubMessage& message);
  absl::StatusOr<std::vector<std::string>> CommandFor(const JobID& job) const;

  Options options_;
  EventLoop& loop_;
  scheduler::ClusterResourceView view_;
  scheduler::SchedulingPolicy policy_;
  int local_ = 0;
  std::unique_ptr<scheduler::GpuInstances> gpus_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<BundleReservations> bundles_;
  std::unique_ptr<LeaseManager> leases_;
  std::map<JobID, std::vector<std::string>> commands_;
  std::map<NodeID, std::string> raylet_addresses_;
  std::unique_ptr<gcs::GcsClient> gcs_;
  std::unique_ptr<gcs::GcsSubscriber> subscriber_;
};

}  // namespace raylet
}  // namespace photon
