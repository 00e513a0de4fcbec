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
// Returning a lease frees its resources and dispatches the queue. Requests
// wait deepest first (LeaseRequest::depth, the nesting of the tasks they
// are for), in order within a depth: a recursion of tasks that wait for
// their children then runs depth first, and needs as many workers as it is
// deep, not as it is wide.
//
// A worker whose task blocks in get/wait gives its lease's CPUs back to the
// node (SetBlocked; as in Ray, only CPUs: GPUs and custom resources stay
// held) and takes them again when it goes on, even past the node's total
// for a while: the node may then run more tasks than it has CPUs, which is
// what lets nested tasks deeper than the CPU count finish.
//
// A request into a placement group (LeaseRequest::bundle) is not scheduled
// against the view: it is granted from the group's bundle on this node
// (BundleReservations::Acquire), so the node's general available resources
// do not change, and it never spills back. It waits while the bundle is not
// committed yet or has no room, and fails at once when this node holds no
// such bundle (or it can never fit, or the group is being returned).
// Returning it Releases to the bundle.
//
//   LeaseManager leases({view, policy, local_index, pool, gpus, &bundles, on_infeasible});
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
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "raylet/bundle_reservations.h"
#include "scheduler/cluster_resource_view.h"
#include "scheduler/gpu_instances.h"
#include "scheduler/scheduling_policy.h"

namespace photon {
namespace raylet {

// A worker process the pool hands out (its ip and port are where the
// submitter pushes tasks to).
struct WorkerHandle {
  WorkerID id;
  // Where the worker serves its task stream, known once it registered.
  std::string ip;
  int port = 0;
  int owner_port = 0;  // its CoreWorkerService
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
  // A leased worker's task blocked in get/wait (it holds no CPU meanwhile)
  // or went on.
  virtual void SetBlocked(const WorkerID& worker, bool blocked) {}
  // Records the worker's block notification `sequence`: false when it is
  // not newer than one seen before (notifications may arrive out of order,
  // and across the worker's leases), or the worker is unknown.
  virtual bool NewerBlockNotice(const WorkerID& worker, int64_t sequence) { return true; }
};

struct LeaseReply {
  enum Kind { kGranted, kSpillback, kFailed };
  Kind kind = kFailed;
  int64_t lease_id = 0;
  WorkerHandle worker;
  std::vector<int> gpu_ids;  // for CUDA_VISIBLE_DEVICES
  // kGranted: other requests were waiting (the lease should not be kept idle).
  bool node_busy = false;
  NodeID spillback_node;
  std::string error;  // kFailed: why (no worker could be started, ...)
  absl::StatusCode error_code = absl::StatusCode::kUnavailable;  // kFailed
};

// Where a placement group lease draws its resources from.
struct BundleTarget {
  PlacementGroupID group;
  // In a request: kAnyBundle or one bundle; in a granted lease: the bundle it holds.
  int bundle_index = kAnyBundle;
};

struct LeaseRequest {
  JobID job;
  scheduler::ResourceRequest resources;
  scheduler::SchedulingStrategy strategy;
  // Set when another raylet already spilled this request here.
  bool spilled_back = false;
  // An actor's lease: its worker is dedicated (see WorkerSource).
  bool for_actor = false;
  // How deeply nested the tasks waiting for it are: deeper ones go first.
  int depth = 0;
  // The worker that asked (nil: unknown); see OnWorkerDied.
  WorkerID owner = WorkerID::Nil();
  // Set for a lease into a placement group's bundle on this node; `strategy`
  // and `spilled_back` are then unused.
  std::optional<BundleTarget> bundle;
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

  // What the manager works with; every reference must outlive it.
  struct Deps {
    scheduler::ClusterResourceView& view;
    scheduler::SchedulingPolicy& policy;
    int local_node;  // this node's index in `view`
    WorkerSource& workers;
    scheduler::GpuInstances& gpus;
    // This node's placement group bundles; nullptr: every bundle request
    // fails as "no bundle on this node".
    BundleReservations* bundles = nullptr;
    // Told once per resource shape that cannot be scheduled; may be empty.
    InfeasibleWarning warn;
  };

  explicit LeaseManager(Deps deps);

  void RequestLease(LeaseRequest request);
  // Ends a granted lease. NotFound for an unknown lease id.
  absl::Status ReturnLease(int64_t lease_id, bool worker_died);
  // Ends every lease held by a worker that died (the pool already knows),
  // and every lease it owned: their workers are stopped (they ran its
  // tasks), and its waiting requests are dropped.
  void OnWorkerDied(const WorkerID& worker);
  // Ends the leases drawn from bundles of `group` (it was removed): their
  // workers are stopped. Returns how many.
  int EndGroupLeases(const PlacementGroupID& group);
  // A task on `worker`'s lease blocked in get/wait (its CPUs go back to the
  // node) or went on (it takes them again). A notification not newer than
  // the last one from the worker (`sequence`) is ignored, and one while it
  // holds no lease only counts as the newest. Leases from placement group
  // bundles keep their CPUs.
  void SetBlocked(const WorkerID& worker, bool blocked, int64_t sequence);
  // Re-schedules waiting requests (resources reported, a node joined or
  // died, bundles committed or given back).
  void OnClusterViewChanged() { Dispatch(); }

  // Queued ordinary requests by shape. Placement group requests wait for
  // their bundle, not for the cluster: they are no demand for other nodes.
  std::vector<DemandEntry> Demand() const;
  size_t num_queued() const { return queue_.size(); }
  size_t num_leases() const { return leases_.size(); }

 private:
  struct Lease {
    WorkerHandle worker;
    WorkerID owner;
    scheduler::ResourceRequest resources;
    std::vector<int> gpu_ids;
    std::optional<BundleTarget> bundle;  // held from this bundle, not the node
    // Its task waits in get/wait, and its CPUs are back with the node.
    bool blocked = false;
  };
  // Requests that keep their order among themselves: the same resources
  // and the same bundle target (none for an ordinary request).
  using QueueKey = std::pair<scheduler::ResourceRequest, std::string>;
  struct Queued {
    LeaseRequest request;
    bool infeasible = false;
  };

  // Grants or spills back `request` as `r` says; false when it must wait.
  // On true, `request` has been consumed.
  bool Place(LeaseRequest& request, const scheduler::SchedulingResult& r);
  // Grants `request` from its bundle or fails it; false when it must wait.
  // On true, `request` has been consumed.
  bool PlaceInBundle(LeaseRequest& request);
  void Grant(LeaseRequest request, std::vector<int> gpu_ids);
  void Fail(LeaseRequest& request, absl::StatusCode code, const std::string& error);
  // Gives a lease's resources back: to its bundle, or to the node.
  void FreeResources(const scheduler::ResourceRequest& resources, const std::vector<int>& gpu_ids,
                     const std::optional<BundleTarget>& bundle);
  static QueueKey KeyOf(const LeaseRequest& request);
  // KeyOf(a) == KeyOf(b), without building the keys.
  static bool SameQueue(const LeaseRequest& a, const LeaseRequest& b);
  void Dispatch();
  void DispatchOnce();
  // Queues `q` behind every request at least as deep.
  void Enqueue(Queued q);
  // What a lease holds of the node now (its CPUs are back while blocked).
  static scheduler::ResourceRequest HeldResources(const Lease& lease);

  scheduler::ClusterResourceView& view_;
  scheduler::SchedulingPolicy& policy_;
  const int local_node_;
  WorkerSource& workers_;
  scheduler::GpuInstances& gpus_;
  BundleReservations* const bundles_;
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
