#pragma once

// LeaseManager: the raylet's answer to "give me a worker for this task".
//
// A lease request names the resources a task needs and how to place it.
// Each request is scheduled against the cluster view (scheduler/):
//   - it fits here now: the resources (and GPU instances) are reserved, a
//     worker is popped from the pool and the lease is granted;
//   - a better node exists: the reply is a spillback to that node (a request
//     that was already spilled once is queued here instead, so requests never
//     bounce between nodes);
//   - it is feasible but nothing is free: it waits in a queue, in order,
//     until resources are returned or the view changes;
//   - no alive node can ever hold it: it waits too, reported as infeasible
//     (a warning once per resource shape, and in Demand() for the
//     autoscaler), and is retried whenever the view changes.
// Returning a lease frees its resources and dispatches the queue.
//
//   LeaseManager leases(view, policy, local_index, pool, gpus, on_infeasible);
//   leases.RequestLease(std::move(request));      // reply comes through request.reply
//   leases.ReturnLease(lease_id, /*worker_died=*/false);
//   leases.OnClusterViewChanged();                // after resource reports / node death
//
// Runs only on the raylet loop.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "scheduler/cluster_resource_view.h"
#include "scheduler/gpu_instances.h"
#include "scheduler/scheduling_policy.h"

namespace photon {
namespace raylet {

// A worker process the pool hands out (its address is what the submitter pushes tasks to).
struct WorkerHandle {
  WorkerID id;
  std::string address;  // HOST:PORT
  int pid = 0;
};

// The part of the worker pool the lease manager needs.
class WorkerSource {
 public:
  virtual ~WorkerSource() = default;
  // Hands out an idle worker of `job`, starting one if needed; `done` runs
  // on the loop. A `dedicated` worker (an actor's) is not capped by the
  // worker limit and never returns to the idle pool.
  virtual void PopWorker(const JobID& job, const std::vector<int>& gpu_ids, bool dedicated,
                         std::function<void(absl::StatusOr<WorkerHandle>)> done) = 0;
  // The lease is over: the worker is idle again (or gone when `worker_died`).
  virtual void PushWorker(const WorkerHandle& worker, bool worker_died) = 0;
};

struct LeaseReply {
  enum Kind { kGranted, kSpillback, kFailed };
  Kind kind = kFailed;
  int64_t lease_id = 0;
  WorkerHandle worker;
  std::vector<int> gpu_ids;  // for CUDA_VISIBLE_DEVICES
  NodeID spillback_node;
  std::string error;  // kFailed: why (no worker could be started, ...)
};

struct LeaseRequest {
  JobID job;
  scheduler::ResourceRequest resources;
  scheduler::SchedulingStrategy strategy;
  // Set when another raylet already spilled this request here.
  bool spilled_back = false;
  // An actor's lease: its worker is dedicated (see WorkerSource).
  bool for_actor = false;
  std::function<void(const LeaseReply&)> reply;
};

// Queued demand for one resource shape, for the GCS and the autoscaler.
struct DemandEntry {
  std::map<std::string, double> shape;
  int64_t ready = 0;       // feasible, waiting for resources
  int64_t infeasible = 0;  // no alive node can ever hold it
};

class LeaseManager {
 public:
  using InfeasibleWarning = std::function<void(const std::string& message)>;

  LeaseManager(scheduler::ClusterResourceView& view, scheduler::SchedulingPolicy& policy, int local_node,
               WorkerSource& workers, scheduler::GpuInstances& gpus, InfeasibleWarning warn);

  void RequestLease(LeaseRequest request);
  // Ends a granted lease. NotFound for an unknown lease id.
  absl::Status ReturnLease(int64_t lease_id, bool worker_died);
  // Ends every lease held by a worker that died (the pool already knows).
  void OnWorkerDied(const WorkerID& worker);
  // Re-schedules waiting requests (resources reported, a node joined or died).
  void OnClusterViewChanged() { Dispatch(); }

  std::vector<DemandEntry> Demand() const;
  size_t num_queued() const { return queue_.size(); }
  size_t num_leases() const { return leases_.size(); }

 private:
  struct Lease {
    WorkerHandle worker;
    scheduler::ResourceRequest resources;
    std::vector<int> gpu_ids;
  };
  struct Queued {
    LeaseRequest request;
    bool infeasible = false;
  };

  // Grants or spills back `request` as `r` says; false when it must wait.
  // On true, `request` has been consumed.
  bool Place(LeaseRequest& request, const scheduler::SchedulingResult& r);
  void Grant(LeaseRequest request, std::vector<int> gpu_ids);
  void Dispatch();
  void DispatchOnce();

  scheduler::ClusterResourceView& view_;
  scheduler::SchedulingPolicy& policy_;
  const int local_node_;
  WorkerSource& workers_;
  scheduler::GpuInstances& gpus_;
  InfeasibleWarning warn_;
  std::deque<Queued> queue_;
  absl::flat_hash_map<int64_t, Lease> leases_;
  int64_t next_lease_id_ = 1;
  std::map<scheduler::ResourceRequest, bool> warned_shapes_;
  bool dispatching_ = false;
  bool dispatch_again_ = false;
};

}  // namespace raylet
}  // namespace photon
