#include "raylet/lease_manager.h"

#include <algorithm>
#include <iterator>

#include "core/common/logging.h"

namespace photon {
namespace raylet {

using scheduler::SchedulingResult;

LeaseManager::LeaseManager(Deps deps)
    : view_(deps.view),
      policy_(deps.policy),
      local_node_(deps.local_node),
      workers_(deps.workers),
      gpus_(deps.gpus),
      bundles_(deps.bundles),
      warn_(std::move(deps.warn)) {}

LeaseManager::QueueKey LeaseManager::KeyOf(const LeaseRequest& request) {
  if (!request.bundle.has_value()) return {request.resources, ""};
  return {request.resources, request.bundle->group.Binary() + ":" + std::to_string(request.bundle->bundle_index)};
}

bool LeaseManager::SameQueue(const LeaseRequest& a, const LeaseRequest& b) {
  if (!(a.resources == b.resources) || a.bundle.has_value() != b.bundle.has_value()) return false;
  return !a.bundle.has_value() ||
         (a.bundle->group == b.bundle->group && a.bundle->bundle_index == b.bundle->bundle_index);
}

namespace {

bool IsHardAffinity(const LeaseRequest& request) {
  return !request.bundle.has_value() && request.strategy.kind == scheduler::SchedulingStrategy::kNodeAffinity &&
         !request.strategy.soft;
}

}  // namespace

void LeaseManager::RequestLease(LeaseRequest request) {
  bool same_shape_waiting = false;
  // (An infeasible request, e.g. hard affinity to a node that is gone, holds
  // back nothing: it may never go.)
  for (const Queued& q : queue_) {
    same_shape_waiting = same_shape_waiting || (!q.infeasible && SameQueue(q.request, request));
  }
  if (request.bundle.has_value()) {
    if (!same_shape_waiting && !dispatching_ && PlaceInBundle(request)) return;
    Enqueue(Queued{std::move(request), false});
    return;
  }
  SchedulingResult r = policy_.Schedule(request.resources, request.strategy, local_node_);
  // Requests of the same shape keep their order: a new one waits behind them.
  if (!same_shape_waiting && !dispatching_ && Place(request, r)) return;
  const bool infeasible = r.status == SchedulingResult::kInfeasible;
  if (infeasible && IsHardAffinity(request)) {
    // As in Ray: a task pinned to a node that is gone (or can never hold
    // it) fails instead of waiting.
    return Fail(request, absl::StatusCode::kFailedPrecondition, r.reason);
  }
  const scheduler::ResourceRequest resources = request.resources;
  Enqueue(Queued{std::move(request), infeasible});
  if (infeasible && !warned_shapes_[resources]) {
    warned_shapes_[resources] = true;
    const std::string shape = resources.DebugString(view_.names());
    std::string message = "a lease request for " + shape + " cannot be scheduled: " + r.reason +
                          "; it waits until the cluster can hold it";
    PHOTON_LOG(WARNING) << message;
    if (warn_) warn_(message);
  }
}

bool LeaseManager::Place(LeaseRequest& request, const SchedulingResult& r) {
  if (r.status != SchedulingResult::kScheduled) return false;
  if (r.node != local_node_) {
    if (!request.spilled_back) {
      LeaseReply reply;
      reply.kind = LeaseReply::kSpillback;
      reply.spillback_node = view_.NodeAt(r.node);
      request.reply(reply);
      return true;
    }
    // Already spilled once: wait here for local resources instead of bouncing.
    if (!view_.Fits(local_node_, request.resources)) return false;
  }
  std::vector<int> gpu_ids;
  const scheduler::FixedPoint gpus = request.resources.Get(scheduler::kGpu);
  if (gpus.units() > 0) {
    std::optional<std::vector<int>> ids = gpus_.Allocate(gpus);
    if (!ids.has_value()) return false;  // the GPU count fits, the instances do not (fragmented)
    gpu_ids = *ids;
  }
  view_.Allocate(local_node_, request.resources);
  Grant(std::move(request), std::move(gpu_ids));
  return true;
}

bool LeaseManager::PlaceInBundle(LeaseRequest& request) {
  BundleTarget& target = *request.bundle;
  const std::string here = " on node " + view_.NodeAt(local_node_).Hex();
  if (bundles_ == nullptr || !bundles_->HasGroup(target.group)) {
    Fail(request, absl::StatusCode::kFailedPrecondition,
         "placement group " + target.group.Hex() + " has no bundle" + here);
    return true;
  }
  absl::StatusOr<int> index = bundles_->Acquire(target.group, target.bundle_index, request.resources);
  if (absl::IsUnavailable(index.status())) return false;  // not committed yet, or busy: retried on Dispatch
  if (absl::IsNotFound(index.status())) {
    Fail(request, absl::StatusCode::kFailedPrecondition,
         "placement group " + target.group.Hex() + " has no bundle " + std::to_string(target.bundle_index) + here);
    return true;
  }
  if (!index.ok()) {  // can never fit, or the group is being returned
    Fail(request, index.status().code(), std::string(index.status().message()) + here);
    return true;
  }
  std::vector<int> gpu_ids;
  const scheduler::FixedPoint gpus = request.resources.Get(scheduler::kGpu);
  if (gpus.units() > 0) {
    std::optional<std::vector<int>> ids = gpus_.Allocate(gpus);
    if (!ids.has_value()) {  // the bundle holds the GPU count; the instances are fragmented
      bundles_->Release(target.group, *index, request.resources).IgnoreError();
      return false;
    }
    gpu_ids = *ids;
  }
  target.bundle_index = *index;
  Grant(std::move(request), std::move(gpu_ids));
  return true;
}

void LeaseManager::Fail(LeaseRequest& request, absl::StatusCode code, const std::string& error) {
  LeaseReply failed;
  failed.kind = LeaseReply::kFailed;
  failed.error = error;
  failed.error_code = code;
  request.reply(failed);
}

void LeaseManager::FreeResources(const scheduler::ResourceRequest& resources, const std::vector<int>& gpu_ids,
                                 const std::optional<BundleTarget>& bundle) {
  if (!gpu_ids.empty()) gpus_.Free(gpu_ids, resources.Get(scheduler::kGpu));
  if (!bundle.has_value()) {
    view_.Free(local_node_, resources);
    return;
  }
  absl::Status released = bundles_->Release(bundle->group, bundle->bundle_index, resources);
  if (!released.ok()) PHOTON_LOG(ERROR) << "a lease's bundle resources were lost: " << released;
}

void LeaseManager::Grant(LeaseRequest request, std::vector<int> gpu_ids) {
  const int64_t lease_id = next_lease_id_++;
  auto reply = std::move(request.reply);
  scheduler::ResourceRequest resources = request.resources;
  std::optional<BundleTarget> bundle = request.bundle;
  const WorkerID owner = request.owner;
  // (A request granted from the queue is still in it here.)
  const bool busy = !queue_.empty();
  workers_.PopWorker(request.job, gpu_ids, request.for_actor,
                     [this, lease_id, owner, resources, gpu_ids, bundle, reply, busy](absl::StatusOr<WorkerHandle> worker) {
                       if (!worker.ok()) {
                         FreeResources(resources, gpu_ids, bundle);
                         LeaseReply failed;
                         failed.kind = LeaseReply::kFailed;
                         failed.error = "no worker could be started: " + std::string(worker.status().message());
                         reply(failed);
                         Dispatch();
                         return;
                       }
                       leases_[lease_id] = Lease{*worker, owner, resources, gpu_ids, bundle};
                       LeaseReply granted;
                       granted.kind = LeaseReply::kGranted;
                       granted.lease_id = lease_id;
                       granted.worker = *worker;
                       granted.gpu_ids = gpu_ids;
                       granted.node_busy = busy;
                       reply(granted);
                     });
}

void LeaseManager::Enqueue(Queued q) {
  auto at = queue_.end();
  while (at != queue_.begin() && std::prev(at)->request.depth < q.request.depth) --at;
  queue_.insert(at, std::move(q));
}

scheduler::ResourceRequest LeaseManager::HeldResources(const Lease& lease) {
  if (!lease.blocked) return lease.resources;
  scheduler::ResourceRequest held = lease.resources;
  held.Set(scheduler::kCpu, scheduler::FixedPoint());
  return held;
}

void LeaseManager::SetBlocked(const WorkerID& worker, bool blocked, int64_t sequence) {
  if (!workers_.NewerBlockNotice(worker, sequence)) return;
  for (auto& [id, lease] : leases_) {
    if (lease.worker.id != worker) continue;
    if (lease.blocked == blocked || lease.bundle.has_value()) return;
    lease.blocked = blocked;
    scheduler::ResourceRequest cpus;
    cpus.Set(scheduler::kCpu, lease.resources.Get(scheduler::kCpu));
    workers_.SetBlocked(worker, blocked);
    if (blocked) {
      view_.Free(local_node_, cpus);
      Dispatch();
    } else {
      view_.Allocate(local_node_, cpus);  // may overcommit the node until a lease ends
    }
    return;
  }
}

absl::Status LeaseManager::ReturnLease(int64_t lease_id, bool worker_died) {
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return absl::NotFoundError("unknown lease " + std::to_string(lease_id));
  Lease lease = std::move(it->second);
  leases_.erase(it);
  FreeResources(HeldResources(lease), lease.gpu_ids, lease.bundle);
  workers_.PushWorker(lease.worker, worker_died);
  Dispatch();
  return absl::OkStatus();
}

int LeaseManager::EndGroupLeases(const PlacementGroupID& group) {
  int ended = 0;
  for (auto it = leases_.begin(); it != leases_.end();) {
    if (!it->second.bundle.has_value() || it->second.bundle->group != group) {
      ++it;
      continue;
    }
    FreeResources(HeldResources(it->second), it->second.gpu_ids, it->second.bundle);
    workers_.PushWorker(it->second.worker, /*worker_died=*/true);  // stops it
    leases_.erase(it++);
    ended++;
  }
  if (ended > 0) Dispatch();
  return ended;
}

void LeaseManager::OnWorkerDied(const WorkerID& worker) {
  for (auto it = leases_.begin(); it != leases_.end();) {
    const bool held = it->second.worker.id == worker;
    const bool owned = !held && !worker.IsNil() && it->second.owner == worker;
    if (!held && !owned) {
      ++it;
      continue;
    }
    FreeResources(HeldResources(it->second), it->second.gpu_ids, it->second.bundle);
    if (owned) workers_.PushWorker(it->second.worker, /*worker_died=*/true);  // stops it
    leases_.erase(it++);
  }
  if (!worker.IsNil()) {
    auto orphans = std::stable_partition(queue_.begin(), queue_.end(),
                                         [&](const Queued& q) { return q.request.owner != worker; });
    for (auto it = orphans; it != queue_.end(); ++it) {
      Fail(it->request, absl::StatusCode::kCancelled, "the worker that asked for this lease died");
    }
    queue_.erase(orphans, queue_.end());
  }
  Dispatch();
}

void LeaseManager::Dispatch() {
  // A worker pool may answer inside Dispatch (and a failed start dispatches
  // again): run again afterwards instead of editing the queue mid-walk.
  if (dispatching_) {
    dispatch_again_ = true;
    return;
  }
  dispatching_ = true;
  do {
    dispatch_again_ = false;
    DispatchOnce();
  } while (dispatch_again_);
  dispatching_ = false;
}

void LeaseManager::DispatchOnce() {
  // In order. A request that cannot go yet blocks later ones of its shape
  // (FIFO per shape), but not requests of other shapes (a big request must
  // not starve small ones that fit), and an infeasible one blocks nothing. Requests into a bundle queue apart from
  // ordinary ones of the same shape (they draw on different resources).
  std::map<QueueKey, bool> blocked_shapes;
  for (auto it = queue_.begin(); it != queue_.end();) {
    const QueueKey shape = KeyOf(it->request);
    if (blocked_shapes[shape]) {
      ++it;
      continue;
    }
    bool placed = false;
    if (it->request.bundle.has_value()) {
      placed = PlaceInBundle(it->request);
    } else {
      SchedulingResult r = policy_.Schedule(it->request.resources, it->request.strategy, local_node_);
      it->infeasible = r.status == SchedulingResult::kInfeasible;
      if (it->infeasible && IsHardAffinity(it->request)) {
        Fail(it->request, absl::StatusCode::kFailedPrecondition, r.reason);  // its node died
        it = queue_.erase(it);
        continue;
      }
      placed = Place(it->request, r);
    }
    if (placed) {
      it = queue_.erase(it);
      continue;
    }
    if (!it->infeasible) blocked_shapes[shape] = true;
    ++it;
  }
}

std::vector<DemandEntry> LeaseManager::Demand() const {
  std::map<std::string, DemandEntry> by_shape;
  for (const Queued& q : queue_) {
    if (q.request.bundle.has_value()) continue;
    const std::string key = q.request.resources.DebugString(view_.names());
    DemandEntry& entry = by_shape[key];
    if (entry.shape.empty()) {
      for (const auto& [id, amount] : q.request.resources.items()) entry.shape[view_.names().Name(id)] = amount.ToDouble();
    }
    (q.infeasible ? entry.infeasible : entry.ready)++;
  }
  std::vector<DemandEntry> out;
  for (auto& [key, entry] : by_shape) out.push_back(std::move(entry));
  return out;
}

}  // namespace raylet
}  // namespace photon
