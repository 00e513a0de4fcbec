#include "dashboard/cluster_view.h"

#include <chrono>
#include <future>

#include "core/rpc/addresses.h"
#include "core/rpc/channel.h"
#include "core/rpc/client_call.h"
#include "core/rpc/status_util.h"
#include "dashboard/job_store.h"
#include "core/common/wall_clock.h"

namespace photon {
namespace dashboard {
namespace {


double Sum(const std::map<std::string, rpc::ResourceUsage>& usage, const std::string& name, bool available) {
  double total = 0;
  for (const auto& [node, u] : usage) {
    const auto& amounts = available ? u.available().amounts() : u.total().amounts();
    auto it = amounts.find(name);
    if (it != amounts.end()) total += it->second;
  }
  return total;
}

}  // namespace

double ClusterSnapshot::ResourceTotal(const std::string& name) const { return Sum(usage, name, false); }
double ClusterSnapshot::ResourceAvailable(const std::string& name) const { return Sum(usage, name, true); }

int64_t ClusterSnapshot::QueuedDemand() const {
  int64_t queued = 0;
  for (const auto& [node, u] : usage) {
    for (const rpc::ResourceDemand& d : u.demand()) queued += d.ready() + d.infeasible();
  }
  return queued;
}

std::string TaskStateName(rpc::TaskState state) {
  switch (state) {
    case rpc::SUBMITTED: return "PENDING";
    case rpc::SCHEDULED: return "SCHEDULED";
    case rpc::RUNNING: return "RUNNING";
    case rpc::FINISHED: return "FINISHED";
    case rpc::FAILED: return "FAILED";
    default: return "NIL";
  }
}

std::string ActorStateName(rpc::ActorState state) {
  switch (state) {
    case rpc::PENDING_CREATION: return "PENDING_CREATION";
    case rpc::ALIVE: return "ALIVE";
    case rpc::RESTARTING: return "RESTARTING";
    case rpc::DEAD: return "DEAD";
    default: return "UNKNOWN";
  }
}

rpc::RayletService::Stub& ClusterView::StubFor(const std::string& address) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<rpc::RayletService::Stub>& stub = stubs_[address];
  if (!stub) stub = rpc::RayletService::NewStub(rpc::MakeChannel(address));
  return *stub;
}

absl::StatusOr<rpc::GetNodeStatsReply> ClusterView::NodeStats(const rpc::GcsNodeInfo& node) {
  rpc::RayletService::Stub& stub = StubFor(rpc::RayletAddress(node));
  rpc::RetryPolicy once;
  once.max_attempts = 1;
  once.attempt_timeout = std::chrono::milliseconds(2000);
  rpc::GetNodeStatsReply reply;
  grpc::Status s = rpc::CallWithRetry(token_, once, [&](grpc::ClientContext* c) {
    return stub.GetNodeStats(c, rpc::GetNodeStatsRequest(), &reply);
  });
  if (!s.ok()) return rpc::FromGrpcStatus(s);
  return reply;
}

absl::StatusOr<ClusterSnapshot> ClusterView::Collect() {
  ClusterSnapshot snap;
  snap.time_ms = UnixMillis();
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = gcs_.GetAllNodes();
  if (!nodes.ok()) return nodes.status();
  snap.nodes = *std::move(nodes);
  std::vector<std::pair<std::string, std::future<absl::StatusOr<rpc::GetNodeStatsReply>>>> asked;
  for (const rpc::GcsNodeInfo& node : snap.nodes) {
    if (node.state() != rpc::GcsNodeInfo::ALIVE) continue;
    asked.emplace_back(node.node_id(), std::async(std::launch::async, [this, &node] { return NodeStats(node); }));
  }
  absl::StatusOr<std::vector<rpc::ResourceUsage>> usage = gcs_.GetAllResourceUsage();
  absl::StatusOr<rpc::GetTaskEventsReply> tasks = gcs_.GetTaskEvents(JobID::Nil(), 1);
  absl::StatusOr<std::vector<rpc::ActorTableData>> actors = gcs_.GetAllActorInfo();
  JobStore store(gcs_);
  absl::StatusOr<std::vector<JobInfo>> jobs = store.List();
  for (auto& [id, future] : asked) {
    absl::StatusOr<rpc::GetNodeStatsReply> stats = future.get();
    if (stats.ok()) snap.stats[id] = *std::move(stats);
  }
  if (!usage.ok()) return usage.status();
  for (rpc::ResourceUsage& u : *usage) snap.usage[u.node_id()] = std::move(u);
  if (tasks.ok()) {
    for (int i = 0; i < tasks->count_by_state_size() && i < rpc::TaskState_ARRAYSIZE; i++) {
      snap.tasks[i] = tasks->count_by_state(i);
    }
  }
  if (actors.ok()) {
    for (const rpc::ActorTableData& a : *actors) snap.actors_by_state[ActorStateName(a.state())]++;
  }
  if (jobs.ok()) {
    for (const JobInfo& j : *jobs) snap.jobs_by_status[JobStatusName(j.status)]++;
  }
  return snap;
}

}  // namespace dashboard
}  // namespace photon
