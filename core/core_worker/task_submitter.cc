#include "core/core_worker/task_submitter.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "core/rpc/addresses.h"
#include "core/rpc/task_frame.h"

namespace photon {
namespace core {
namespace {

std::string ShapeString(const rpc::ResourceSet& resources) {
  std::map<std::string, double> sorted(resources.amounts().begin(), resources.amounts().end());
  std::vector<std::string> parts;
  for (const auto& [name, amount] : sorted) parts.push_back(absl::StrCat(name, ": ", amount));
  return "{" + absl::StrJoin(parts, ", ") + "}";
}

}  // namespace

TaskSubmitter::TaskSubmitter(EventLoop& loop, Options options, NodeDirectory& nodes, Callbacks callbacks)
    : loop_(loop),
      options_(std::move(options)),
      nodes_(nodes),
      callbacks_(std::move(callbacks)),
      raylets_(loop, options_.token) {}

TaskSubmitter::~TaskSubmitter() = default;

std::string TaskSubmitter::KeyOf(const rpc::TaskSpec& spec) {
  // Binary, built per submit: resource names sorted, amounts as raw bytes.
  std::vector<std::pair<const std::string*, double>> amounts;
  amounts.reserve(spec.resources().amounts().size());
  for (const auto& [name, amount] : spec.resources().amounts()) amounts.emplace_back(&name, amount);
  std::sort(amounts.begin(), amounts.end(), [](const auto& a, const auto& b) { return *a.first < *b.first; });
  std::string key;
  for (const auto& [name, amount] : amounts) {
    key.append(*name);
    key.push_back('\0');
    key.append(reinterpret_cast<const char*>(&amount), sizeof(amount));
  }
  const rpc::LeaseSchedulingStrategy& strategy = spec.strategy();
  absl::StrAppend(&key, "|", static_cast<int>(strategy.kind()), "|", strategy.node_id(), "|", strategy.soft());
  if (strategy.kind() == rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP) {
    absl::StrAppend(&key, "|", strategy.placement_group_id(), "|", strategy.bundle_index());
  }
  return key;
}

void TaskSubmitter::Submit(std::shared_ptr<rpc::TaskSpec> spec) {
  if (shut_down_) return;
  const std::string key_name = KeyOf(*spec);
  auto& key = keys_[key_name];
  if (!key) {
    key = std::make_unique<Key>();
    key->name = key_name;
    key->resources = spec->resources();
    key->strategy = spec->strategy();
  }
  const std::string id = spec->task_id();
  key->queue.push_back(id);
  Task& task = tasks_[id];
  task.spec = std::move(spec);
  task.key = key.get();
  task.lease.reset();
  task.cancelled = false;
  // Pump after the current handler: tasks submitted together are pushed
  // together (and a burst opens the pipelined window).
  dirty_keys_.insert(key.get());
  if (!pump_scheduled_) {
    pump_scheduled_ = true;
    loop_.Post("Submitter.Pump", [this] {
      pump_scheduled_ = false;
      absl::flat_hash_set<Key*> keys;
      keys.swap(dirty_keys_);
      for (Key* k : keys) {
        if (!shut_down_) Pump(*k);
      }
    });
  }
}

void TaskSubmitter::Pump(Key& key) {
  for (const auto& lease : key.leases) {
    if (key.queue.empty()) break;
    if (lease->connected) PushTo(lease);
  }
  // Leases being connected will take their share; ask for more only beyond that.
  size_t capacity = 0;
  for (const auto& lease : key.leases) {
    if (!lease->connected) capacity++;
  }
  const size_t waiting = key.queue.size() > capacity ? key.queue.size() - capacity : 0;
  while (static_cast<size_t>(key.pending_lease_requests) < std::min<size_t>(waiting, kMaxPendingLeaseRequests)) {
    RequestLease(key, options_.local_raylet_address, false);
  }
}

void TaskSubmitter::PushTo(const std::shared_ptr<Lease>& lease) {
  Key& key = *lease->key;
  // Pipeline only short tasks, and only when many wait: a task queued behind
  // another on one worker waits for it, so a few tasks each get a worker.
  const bool fast = lease->last_run_micros >= 0 && lease->last_run_micros < kFastTaskMicros;
  const size_t window = fast && key.queue.size() >= kPipelineQueueDepth ? kMaxInFlightPerLease : 1;
  // The frame is encoded by hand: each spec is serialized straight into it.
  std::string frame;
  int pushed = 0;
  while (lease->in_flight.size() < window && !key.queue.empty()) {
    const std::string id = key.queue.front();
    key.queue.pop_front();
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    Task& task = it->second;
    task.lease = lease;
    task.spec->clear_gpu_ids();
    for (int g : lease->gpu_ids) task.spec->add_gpu_ids(g);
    lease->in_flight.insert(id);
    rpc::AppendPush(*task.spec, &frame);
    pushed++;
    if (callbacks_.on_pushed) callbacks_.on_pushed(*task.spec, lease->node, lease->worker);
  }
  if (pushed > 0) lease->stream->SendEncoded(frame);
}

void TaskSubmitter::RequestLease(Key& key, const std::string& raylet_address, bool spilled_back) {
  key.pending_lease_requests++;
  rpc::RequestWorkerLeaseRequest request;
  request.set_job_id(options_.job.Binary());
  *request.mutable_resources() = key.resources;
  *request.mutable_strategy() = key.strategy;
  request.set_spilled_back(spilled_back);
  request.set_owner_worker_id(options_.worker.Binary());
  for (const std::string& arg : options_.worker_command) request.add_worker_command(arg);
  // The raylet grants deeper tasks first (a recursion then runs depth first).
  if (!key.queue.empty()) {
    auto front = tasks_.find(key.queue.front());
    if (front != tasks_.end()) request.set_depth(front->second.spec->depth());
  }
  Key* k = &key;
  raylets_.For(raylet_address)
      .RequestWorkerLease(std::move(request), [this, k, raylet_address, spilled_back](
                                                  absl::StatusOr<rpc::RequestWorkerLeaseReply> reply) {
        OnLeaseReply(k, raylet_address, spilled_back, std::move(reply));
      });
  loop_.RunAfter("Submitter.CheckFeasible", std::chrono::seconds(2), [this, k] { CheckFeasible(k); });
}

void TaskSubmitter::CheckFeasible(Key* key) {
  if (shut_down_ || key->pending_lease_requests == 0 || key->warned_infeasible) return;
  if (nodes_.AnyNodeCanHold(key->resources)) return;
  key->warned_infeasible = true;
  PHOTON_LOG(WARNING) << "no node in the cluster can run tasks needing " << ShapeString(key->resources) << " ("
                      << key->queue.size()
                      << " waiting): they stay pending until a node with those resources joins";
}

void TaskSubmitter::OnLeaseReply(Key* key, const std::string& raylet_address, bool spilled_back,
                                 absl::StatusOr<rpc::RequestWorkerLeaseReply> reply) {
  key->pending_lease_requests--;
  if (shut_down_) {
    if (reply.ok() && reply->lease_id() != 0) {
      auto lease = std::make_shared<Lease>();
      lease->lease_id = reply->lease_id();
      lease->raylet_address = raylet_address;
      ReturnLease(lease, false);
    }
    return;
  }
  if (!reply.ok()) return OnLeaseFailed(key, raylet_address, spilled_back, reply.status());
  if (reply->lease_id() == 0) {
    // Spillback: ask the named raylet, which will not spill again.
    if (key->queue.empty()) return;
    RequestLease(*key, reply->spillback_raylet_address(), true);
    return;
  }
  // The raylet names the worker (its task port) and its own node.
  const rpc::Address& worker = reply->worker();
  auto lease = std::make_shared<Lease>();
  lease->lease_id = reply->lease_id();
  lease->raylet_address = raylet_address;
  lease->worker_address = rpc::HostPort(worker);
  if (reply->worker_owner_port() > 0) lease->worker_owner_address = rpc::HostPort(worker.ip(), reply->worker_owner_port());
  lease->worker = WorkerID::FromBinary(worker.worker_id()).value_or(WorkerID::Nil());
  lease->node = NodeID::FromBinary(worker.node_id()).value_or(NodeID::Nil());
  for (int g : reply->gpu_ids()) lease->gpu_ids.push_back(g);
  lease->return_when_idle = reply->node_busy();
  lease->key = key;
  key->leases.push_back(lease);
  rpc::TaskStream::Connect(loop_, worker, [this, lease](absl::StatusOr<std::shared_ptr<rpc::TaskStream>> stream) {
    OnConnected(lease, std::move(stream));
  });
}

void TaskSubmitter::OnLeaseFailed(Key* key, const std::string& raylet_address, bool spilled_back,
                                  const absl::Status& status) {
  if (spilled_back && absl::IsUnavailable(status)) {
    // The node we were sent to is unreachable: ask our own raylet again.
    PHOTON_LOG(WARNING) << "lease request to " << raylet_address << " failed (" << status.message()
                        << "); asking the local raylet again";
    loop_.RunAfter("Submitter.RetryLease", std::chrono::milliseconds(200), [this, key] { Pump(*key); });
    return;
  }
  const ErrorKind kind = absl::IsUnavailable(status) ? ErrorKind::kNodeDied : ErrorKind::kScheduling;
  // Where the raylet may not have answered, the error names it already.
  const std::string why = absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)
                              ? std::string(status.message())
                              : absl::StrCat("the raylet at ", raylet_address, " answered: ", status.message());
  FailQueued(*key, kind, absl::StrCat("no worker for tasks needing ", ShapeString(key->resources), ": ", why));
}

void TaskSubmitter::OnConnected(const std::shared_ptr<Lease>& lease,
                                absl::StatusOr<std::shared_ptr<rpc::TaskStream>> stream) {
  if (lease->returned) return;
  if (!stream.ok()) return OnLeaseLost(lease, stream.status().ToString());
  lease->stream = *stream;
  std::weak_ptr<Lease> weak = lease;
  lease->stream->Start(
      [this, weak](rpc::TaskStreamFrame frame) {
        if (auto l = weak.lock()) OnFrame(l, frame);
      },
      [this, weak](const absl::Status& why) {
        if (auto l = weak.lock()) OnLeaseLost(l, std::string(why.message()));
      });
  rpc::TaskStreamFrame hello;
  hello.set_token(options_.token);
  hello.set_lease_id(lease->lease_id);
  lease->stream->Send(hello);
  lease->connected = true;
  if (shut_down_) return ReturnLease(lease, false);
  PushTo(lease);
  MaybeIdle(lease);
}

void TaskSubmitter::OnFrame(const std::shared_ptr<Lease>& lease, const rpc::TaskStreamFrame& frame) {
  for (const rpc::TaskReply& reply : frame.replies()) {
    lease->in_flight.erase(reply.task_id());
    lease->last_run_micros = reply.run_micros();
    auto it = tasks_.find(reply.task_id());
    if (it == tasks_.end()) continue;
    Task task = std::move(it->second);
    tasks_.erase(it);
    if (task.cancelled || reply.outcome() == rpc::TaskReply::CANCELLED) {
      callbacks_.on_failure(*task.spec, ErrorKind::kTaskCancelled,
                            "task " + TaskID::FromBinary(reply.task_id()).value_or(TaskID::Nil()).Hex() +
                                " was cancelled");
    } else {
      callbacks_.on_reply(*task.spec, reply, lease->node, lease->worker);
    }
  }
  if (lease->returned) return;
  PushTo(lease);
  Pump(*lease->key);
  MaybeIdle(lease);
}

void TaskSubmitter::MaybeIdle(const std::shared_ptr<Lease>& lease) {
  if (!lease->in_flight.empty() || !lease->key->queue.empty()) return;
  if (lease->return_when_idle) return ReturnLease(lease, false);
  lease->idle_since = std::chrono::steady_clock::now();
  if (!lease->linger_armed) ArmLinger(lease, kLeaseLinger);
}

void TaskSubmitter::ArmLinger(const std::shared_ptr<Lease>& lease, std::chrono::steady_clock::duration delay) {
  lease->linger_armed = true;
  std::weak_ptr<Lease> weak = lease;
  loop_.RunAfter("Submitter.IdleLease", std::chrono::duration_cast<std::chrono::milliseconds>(delay), [this, weak] {
    auto l = weak.lock();
    if (!l) return;
    l->linger_armed = false;
    // Busy again: the next time it runs out of work arms a new timer.
    if (l->returned || !l->in_flight.empty() || !l->key->queue.empty()) return;
    const auto idle = std::chrono::steady_clock::now() - l->idle_since;
    if (idle < kLeaseLinger) return ArmLinger(l, kLeaseLinger - idle);
    ReturnLease(l, false);
  });
}

void TaskSubmitter::OnLeaseLost(const std::shared_ptr<Lease>& lease, const std::string& why) {
  if (lease->returned) return;
  DropLease(lease);
  if (lease->in_flight.empty()) {
    ReturnLease(lease, true);
    Pump(*lease->key);
    return;
  }
  // Was it the worker or its whole node? Ask the raylet that granted the lease.
  if (nodes_.IsDead(lease->node)) {
    FailLeaseTasks(lease, ErrorKind::kNodeDied, why);
    return;
  }
  raylets_.For(lease->raylet_address).HealthCheck([this, lease, why](absl::StatusOr<rpc::HealthCheckReply> reply) {
    if (reply.ok()) {
      ReturnLease(lease, true);
      FailLeaseTasks(lease, ErrorKind::kWorkerCrashed, why);
    } else {
      FailLeaseTasks(lease, ErrorKind::kNodeDied, why + "; its raylet does not answer either");
    }
  });
}

void TaskSubmitter::FailLeaseTasks(const std::shared_ptr<Lease>& lease, ErrorKind kind, const std::string& why) {
  lease->returned = true;
  std::vector<std::string> ids(lease->in_flight.begin(), lease->in_flight.end());
  lease->in_flight.clear();
  const std::string where = absl::StrCat("worker ", lease->worker.ShortHex(), " at ", lease->worker_address,
                                         " on node ", lease->node.ShortHex());
  for (const std::string& id : ids) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    Task task = std::move(it->second);
    tasks_.erase(it);
    if (task.cancelled) {
      callbacks_.on_failure(*task.spec, ErrorKind::kTaskCancelled, "task was cancelled (its worker was ended)");
    } else {
      callbacks_.on_failure(*task.spec, kind,
                            absl::StrCat(kind == ErrorKind::kNodeDied ? "the node running the task died"
                                                                      : "the worker running the task died",
                                         " (", where, "): ", why));
    }
  }
  if (!shut_down_) Pump(*lease->key);
}

void TaskSubmitter::DropLease(const std::shared_ptr<Lease>& lease) {
  auto& leases = lease->key->leases;
  leases.erase(std::remove(leases.begin(), leases.end(), lease), leases.end());
}

void TaskSubmitter::ReturnLease(const std::shared_ptr<Lease>& lease, bool worker_died) {
  lease->returned = true;
  if (lease->key) DropLease(lease);
  if (lease->stream) lease->stream->Close(absl::CancelledError("lease returned"));
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(lease->lease_id);
  request.set_worker_died(worker_died);
  raylets_.For(lease->raylet_address).ReturnWorker(std::move(request), nullptr);  // not awaited
}

void TaskSubmitter::FailQueued(Key& key, ErrorKind kind, const std::string& why) {
  std::deque<std::string> queue;
  queue.swap(key.queue);
  for (const std::string& id : queue) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    Task task = std::move(it->second);
    tasks_.erase(it);
    callbacks_.on_failure(*task.spec, task.cancelled ? ErrorKind::kTaskCancelled : kind, why);
  }
}

std::string TaskSubmitter::WorkerOf(const TaskID& task) const {
  auto it = tasks_.find(task.Binary());
  if (it == tasks_.end() || !it->second.lease) return "";
  return it->second.lease->worker_owner_address;
}

bool TaskSubmitter::Cancel(const TaskID& task_id, bool force) {
  auto it = tasks_.find(task_id.Binary());
  if (it == tasks_.end()) return false;
  Task& task = it->second;
  task.cancelled = true;
  if (!task.lease) {
    auto& queue = task.key->queue;
    queue.erase(std::remove(queue.begin(), queue.end(), task_id.Binary()), queue.end());
    std::shared_ptr<rpc::TaskSpec> spec = std::move(task.spec);
    tasks_.erase(it);
    callbacks_.on_failure(*spec, ErrorKind::kTaskCancelled, "task " + task_id.Hex() + " was cancelled before it ran");
    return true;
  }
  std::shared_ptr<Lease> lease = task.lease;
  if (!lease->stream || lease->returned) return true;
  if (!force) {
    // Dropped if it has not started; otherwise its result is discarded.
    rpc::TaskStreamFrame frame;
    frame.add_cancel(task_id.Binary());
    lease->stream->Send(frame);
    return true;
  }
  // A running task is stopped by ending its worker. The lease's other tasks
  // did nothing wrong: they go back to the queue as they were.
  PHOTON_LOG(INFO) << "force-cancel of task " << task_id.Hex() << ": ending worker " << lease->worker.Hex();
  std::vector<std::string> ids(lease->in_flight.begin(), lease->in_flight.end());
  lease->in_flight.clear();
  ReturnLease(lease, /*worker_died=*/true);
  for (const std::string& id : ids) {
    auto t = tasks_.find(id);
    if (t == tasks_.end()) continue;
    if (t->second.cancelled) {
      std::shared_ptr<rpc::TaskSpec> spec = std::move(t->second.spec);
      tasks_.erase(t);
      callbacks_.on_failure(*spec, ErrorKind::kTaskCancelled, "task " + task_id.Hex() + " was cancelled (force)");
    } else {
      std::shared_ptr<rpc::TaskSpec> spec = std::move(t->second.spec);
      tasks_.erase(t);
      Submit(std::move(spec));
    }
  }
  return true;
}

void TaskSubmitter::Shutdown() {
  shut_down_ = true;
  for (auto& [name, key] : keys_) {
    std::vector<std::shared_ptr<Lease>> leases = key->leases;
    for (const auto& lease : leases) ReturnLease(lease, false);
    key->queue.clear();
  }
  tasks_.clear();
}

}  // namespace core
}  // namespace photon
