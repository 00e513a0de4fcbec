#include "raylet/node_scheduler.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "core/rpc/addresses.h"

namespace photon {
namespace raylet {
namespace {

// Workers started ahead of a job's first lease request on a node.
constexpr int kPrestartWorkers = 4;

std::map<std::string, double> ToMap(const rpc::ResourceSet& set) {
  return {set.amounts().begin(), set.amounts().end()};
}

scheduler::SchedulingStrategy ToStrategy(const rpc::LeaseSchedulingStrategy& s) {
  switch (s.kind()) {
    case rpc::LeaseSchedulingStrategy::SPREAD:
      return scheduler::SchedulingStrategy::Spread();
    case rpc::LeaseSchedulingStrategy::NODE_AFFINITY: {
      absl::StatusOr<NodeID> node = NodeID::FromBinary(s.node_id());
      return scheduler::SchedulingStrategy::NodeAffinity(node.ok() ? *node : NodeID::Nil(), s.soft());
    }
    default:
      return scheduler::SchedulingStrategy::Hybrid();
  }
}

}  // namespace

NodeScheduler::NodeScheduler(Options options, EventLoop& loop)
    : options_(std::move(options)), loop_(loop), view_(scheduler::ResourceNames::Global()), policy_(view_) {
  auto totals = ToMap(options_.resources);
  local_ = view_.UpdateNode(options_.node_id, totals, totals);
  const int gpus = static_cast<int>(totals.count("GPU") ? totals["GPU"] : 0);
  gpus_ = std::make_unique<scheduler::GpuInstances>(gpus);
  WorkerPool::Options pool;
  const int cpus = static_cast<int>(totals.count("CPU") ? totals["CPU"] : 1);
  pool.max_workers = std::max(4, 2 * cpus);
  pool.max_total_workers = options_.max_workers > 0 ? options_.max_workers : std::max(64, 8 * cpus);
  pool.max_workers = std::min(pool.max_workers, pool.max_total_workers);
  pool.raylet_address = options_.raylet_address;
  pool.token = options_.token;
  pool.node_id = options_.node_id;
  pool.log_dir = options_.log_dir;
  pool_ = std::make_unique<WorkerPool>(pool, [this](const JobID& job) { return CommandFor(job); });
  pool_->set_output_hooks(options_.worker_output);
  bundles_ = std::make_unique<BundleReservations>(view_, local_);
  leases_ = std::make_unique<LeaseManager>(
      LeaseManager::Deps{view_, policy_, local_, *pool_, *gpus_, bundles_.get(), nullptr});
  pool_->set_on_worker_died([this](const WorkerHandle& worker, const std::string& how) {
    PHOTON_LOG(WARNING) << "worker " << worker.id.Hex() << " (pid " << worker.pid << ") " << how;
    leases_->OnWorkerDied(worker.id);
    if (options_.on_worker_died) options_.on_worker_died(worker, how);
  });
}

NodeScheduler::~NodeScheduler() = default;

void NodeScheduler::Start() {
  gcs_ = std::make_unique<gcs::GcsClient>(gcs::GcsClient::Options{options_.gcs_address, options_.token, {}});
  gcs::GcsSubscriber::Callbacks callbacks;
  callbacks.on_snapshot = [this](const std::vector<rpc::PubMessage>& all) {
    loop_.Post("Scheduler.ClusterSnapshot", [this, all] { ApplySnapshot(all); });
  };
  callbacks.on_message = [this](const rpc::PubMessage& m) {
    loop_.Post("Scheduler.ClusterChange", [this, m] { Apply(m); });
  };
  subscriber_ = std::make_unique<gcs::GcsSubscriber>(*gcs_, std::vector<rpc::Channel>{rpc::NODE, rpc::RESOURCES},
                                                     callbacks);
  subscriber_->Start();
  loop_.RunEvery("WorkerPool.Tick", std::chrono::milliseconds(100), [this] { pool_->Tick(); });
}

void NodeScheduler::Stop() {
  if (subscriber_) subscriber_->Stop();
  pool_->StopAll(std::chrono::milliseconds(2000));
}

void NodeScheduler::ApplySnapshot(const std::vector<rpc::PubMessage>& messages) {
  for (const rpc::PubMessage& m : messages) Apply(m);
}

void NodeScheduler::Apply(const rpc::PubMessage& message) {
  if (message.has_node()) {
    const rpc::GcsNodeInfo& node = message.node();
    absl::StatusOr<NodeID> id = NodeID::FromBinary(node.node_id());
    if (!id.ok() || *id == options_.node_id) return;
    if (node.state() == rpc::GcsNodeInfo::DEAD) {
      view_.MarkDead(*id);
    } else {
      raylet_addresses_[*id] = rpc::RayletAddress(node);
      if (view_.NodeIndex(*id) < 0) {
        auto totals = ToMap(node.resources_total());
        view_.UpdateNode(*id, totals, totals);
      }
    }
  } else if (message.has_resources()) {
    const rpc::ResourceUsage& usage = message.resources();
    absl::StatusOr<NodeID> id = NodeID::FromBinary(usage.node_id());
    if (!id.ok() || *id == options_.node_id) return;  // our own entry is kept here
    view_.UpdateNode(*id, ToMap(usage.total()), ToMap(usage.available()));
  } else {
    return;
  }
  leases_->OnClusterViewChanged();
}

absl::StatusOr<std::vector<std::string>> NodeScheduler::CommandFor(const JobID& job) const {
  auto it = commands_.find(job);
  if (it == commands_.end() || it->second.empty()) {
    return absl::FailedPreconditionError("no worker command is known for job " + job.Hex() +
                                         ": lease requests must carry the job's worker command");
  }
  return it->second;
}

void NodeScheduler::RequestLease(const rpc::RequestWorkerLeaseRequest& request, LeaseDone done) {
  absl::StatusOr<JobID> job = JobID::FromBinary(request.job_id());
  if (!job.ok()) return done(job.status());
  if (request.worker_command_size() > 0) {
    const bool new_job = !commands_.count(*job);
    commands_[*job] = {request.worker_command().begin(), request.worker_command().end()};
    if (new_job) {
      // A job's first request here: start a few more workers ahead of demand
      // (one per CPU, at most kPrestartWorkers); they stop again when unused.
      const auto& totals = options_.resources.amounts();
      const int cpus = totals.count("CPU") ? static_cast<int>(totals.at("CPU")) : 0;
      absl::Status s = pool_->Prestart(*job, std::min(cpus, kPrestartWorkers));
      if (!s.ok()) PHOTON_LOG(WARNING) << "prestarting workers for job " << job->Hex() << ": " << s;
    }
  }
  for (const auto& [name, amount] : request.resources().amounts()) {
    if (name.empty() || !(amount >= 0)) {
      return done(absl::InvalidArgumentError(absl::StrCat("lease request: bad resource '", name, "': ", amount)));
    }
  }
  LeaseRequest lease;
  lease.job = *job;
  lease.resources = scheduler::ResourceRequest::FromMap(ToMap(request.resources()), view_.names());
  lease.strategy = ToStrategy(request.strategy());
  lease.spilled_back = request.spilled_back();
  lease.for_actor = request.for_actor();
  lease.depth = request.depth();
  if (!request.owner_worker_id().empty()) {
    absl::StatusOr<WorkerID> owner = WorkerID::FromBinary(request.owner_worker_id());
    if (!owner.ok()) return done(absl::InvalidArgumentError("lease request: owner: " + std::string(owner.status().message())));
    lease.owner = *owner;
  }
  if (request.strategy().kind() == rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP) {
    absl::StatusOr<PlacementGroupID> group = PlacementGroupID::FromBinary(request.strategy().placement_group_id());
    if (!group.ok()) return done(absl::InvalidArgumentError("lease request: " + std::string(group.status().message())));
    const int index = request.strategy().bundle_index();
    if (index < kAnyBundle) {
      return done(absl::InvalidArgumentError(absl::StrCat("lease request: bad bundle index ", index)));
    }
    lease.bundle = BundleTarget{*group, index};
    // The submitter names the bundle's node; sent here instead (a local
    // raylet asked first), it goes on there.
    absl::StatusOr<NodeID> target = NodeID::FromBinary(request.strategy().node_id());
    if (target.ok() && !target->IsNil() && *target != options_.node_id) {
      auto address = raylet_addresses_.find(*target);
      if (address == raylet_addresses_.end()) {
        return done(absl::UnavailableError(absl::StrCat("placement group ", group->Hex(), ": its bundle's node ",
                                                        target->Hex(), " is not alive")));
      }
      rpc::RequestWorkerLeaseReply reply;
      reply.set_spillback_node_id(target->Binary());
      reply.set_spillback_raylet_address(address->second);
      return done(reply);
    }
  }
  lease.reply = [this, done](const LeaseReply& r) {
    rpc::RequestWorkerLeaseReply reply;
    switch (r.kind) {
      case LeaseReply::kGranted:
        reply.set_lease_id(r.lease_id);
        reply.mutable_worker()->set_ip(r.worker.ip);
        reply.mutable_worker()->set_port(r.worker.port);
        reply.set_worker_owner_port(r.worker.owner_port);
        reply.mutable_worker()->set_worker_id(r.worker.id.Binary());
        reply.mutable_worker()->set_node_id(options_.node_id.Binary());
        for (int g : r.gpu_ids) reply.add_gpu_ids(g);
        reply.set_node_busy(r.node_busy);
        return done(reply);
      case LeaseReply::kSpillback: {
        reply.set_spillback_node_id(r.spillback_node.Binary());
        auto address = raylet_addresses_.find(r.spillback_node);
        if (address != raylet_addresses_.end()) reply.set_spillback_raylet_address(address->second);
        return done(reply);
      }
      case LeaseReply::kFailed:
        return done(absl::Status(r.error_code, r.error));
    }
  };
  leases_->RequestLease(std::move(lease));
}

void NodeScheduler::SetWorkerBlocked(const WorkerID& worker, bool blocked, int64_t sequence) {
  leases_->SetBlocked(worker, blocked, sequence);
}

absl::Status NodeScheduler::ReturnLease(int64_t lease_id, bool worker_died) {
  return leases_->ReturnLease(lease_id, worker_died);
}

absl::Status NodeScheduler::RegisterWorker(const WorkerID& worker, int port, int owner_port) {
  return pool_->RegisterWorker(worker, port, owner_port);
}

absl::Status NodeScheduler::PrepareBundles(const std::vector<BundleSpec>& bundles) {
  std::vector<const BundleSpec*> prepared;  // by this call, undone on failure
  for (const BundleSpec& b : bundles) {
    for (const auto& [name, amount] : b.resources.amounts()) {
      if (name.empty() || !(amount >= 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("bundle ", b.index, " of placement group ", b.group.Hex(), ": bad resource '", name, "'"));
      }
    }
  }
  absl::Status failed;
  for (const BundleSpec& b : bundles) {
    const bool known = bundles_->GetState(b.group, b.index) != BundleReservations::State::kNone;
    failed = bundles_->Prepare(b.group, b.index,
                               scheduler::ResourceRequest::FromMap(ToMap(b.resources), view_.names()));
    if (!failed.ok()) break;
    if (!known) prepared.push_back(&b);
  }
  if (failed.ok()) return absl::OkStatus();
  for (const BundleSpec* b : prepared) bundles_->Cancel(b->group, b->index).IgnoreError();
  return absl::Status(failed.code(),
                      absl::StrCat("preparing bundles on node ", options_.node_id.Hex(), ": ", failed.message()));
}

absl::Status NodeScheduler::CommitBundles(const std::vector<BundleSpec>& bundles) {
  absl::Status status;
  for (const BundleSpec& b : bundles) {
    status = bundles_->Commit(b.group, b.index);
    if (!status.ok()) break;
  }
  leases_->OnClusterViewChanged();  // requests waiting for these bundles
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat("committing bundles on node ", options_.node_id.Hex(), ": ", status.message()));
}

absl::Status NodeScheduler::CancelBundles(const PlacementGroupID& group) {
  absl::Status status = bundles_->Return(group);
  if (!status.ok() && !absl::IsNotFound(status)) return status;
  // The group's tasks and actors end with it (as in Ray), which frees
  // what they held.
  const int ended = leases_->EndGroupLeases(group);
  if (ended > 0) {
    PHOTON_LOG(INFO) << "placement group " << group.ShortHex() << " removed: stopped " << ended
                     << " worker(s) running in its bundles";
  }
  // Freed resources go to waiting requests; requests waiting for the
  // group's bundles fail now.
  leases_->OnClusterViewChanged();
  return absl::OkStatus();
}

rpc::ResourceSet NodeScheduler::Available() const {
  rpc::ResourceSet set;
  for (const auto& [name, total] : options_.resources.amounts()) {
    scheduler::ResourceId id = view_.names().Find(name);
    // (Below zero for a while when blocked tasks went on: none is free.)
    (*set.mutable_amounts())[name] = id < 0 ? total : std::max(0.0, view_.Available(local_, id).ToDouble());
  }
  return set;
}

NodeScheduler::QueuedLeases NodeScheduler::Queued() const {
  QueuedLeases out;
  out.waiting_for_workers = pool_->num_waiting();
  out.queued = static_cast<int64_t>(leases_->num_queued()) + out.waiting_for_workers;
  for (const DemandEntry& entry : leases_->Demand()) out.infeasible += entry.infeasible;
  return out;
}

std::vector<rpc::ResourceDemand> NodeScheduler::Demand() const {
  std::vector<rpc::ResourceDemand> out;
  for (const DemandEntry& entry : leases_->Demand()) {
    rpc::ResourceDemand d;
    for (const auto& [name, amount] : entry.shape) (*d.mutable_shape()->mutable_amounts())[name] = amount;
    d.set_ready(entry.ready);
    d.set_infeasible(entry.infeasible);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace raylet
}  // namespace photon

namespace photon {
namespace raylet {

std::string NodeScheduler::BusyReason() const {
  std::vector<std::string> parts;
  if (leases_->num_leases() > 0) parts.push_back(absl::StrCat(leases_->num_leases(), " leases held"));
  if (leases_->num_queued() > 0) parts.push_back(absl::StrCat(leases_->num_queued(), " lease requests queued"));
  if (bundles_->num_bundles() > 0) parts.push_back(absl::StrCat(bundles_->num_bundles(), " placement-group bundles"));
  return absl::StrJoin(parts, ", ");
}

}  // namespace raylet
}  // namespace photon
