#include "dashboard/cluster_metrics.h"

#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "core/http/prometheus_text.h"
#include "dashboard/job_info.h"

namespace photon {
namespace dashboard {

std::string ClusterPrometheusText(const ClusterSnapshot& s) {
  http::PrometheusText out;
  int64_t alive = 0, dead = 0;
  for (const rpc::GcsNodeInfo& node : s.nodes) (node.state() == rpc::GcsNodeInfo::ALIVE ? alive : dead)++;
  out.Family("photon_nodes", "gauge", "Nodes of the cluster by state");
  out.Sample("photon_nodes", {{"State", "ALIVE"}}, static_cast<double>(alive));
  out.Sample("photon_nodes", {{"State", "DEAD"}}, static_cast<double>(dead));
  out.Family("ray_cluster_active_nodes", "gauge", "Alive nodes (Ray's name)");
  out.Sample("ray_cluster_active_nodes", {}, static_cast<double>(alive));

  std::set<std::string> names;
  for (const auto& [node, usage] : s.usage) {
    for (const auto& [name, amount] : usage.total().amounts()) {
      if (!absl::StartsWith(name, "node:")) names.insert(name);
    }
  }
  out.Family("photon_resources_total", "gauge", "Logical resources of the alive nodes, by name");
  for (const std::string& name : names) out.Sample("photon_resources_total", {{"Name", name}}, s.ResourceTotal(name));
  out.Family("ray_resources", "gauge", "Logical resources of the alive nodes, by name and state (USED, AVAILABLE)");
  for (const std::string& name : names) {
    double available = s.ResourceAvailable(name);
    out.Sample("ray_resources", {{"Name", name}, {"State", "USED"}}, s.ResourceTotal(name) - available);
    out.Sample("ray_resources", {{"Name", name}, {"State", "AVAILABLE"}}, available);
  }

  out.Family("ray_tasks", "gauge", "Task attempts the GCS keeps, by state");
  for (rpc::TaskState state : {rpc::SUBMITTED, rpc::SCHEDULED, rpc::RUNNING, rpc::FINISHED, rpc::FAILED}) {
    out.Sample("ray_tasks", {{"State", TaskStateName(state)}}, static_cast<double>(s.tasks[state]));
  }
  out.Family("ray_actors", "gauge", "Actors by state");
  for (rpc::ActorState state : {rpc::PENDING_CREATION, rpc::ALIVE, rpc::RESTARTING, rpc::DEAD}) {
    auto it = s.actors_by_state.find(ActorStateName(state));
    out.Sample("ray_actors", {{"State", ActorStateName(state)}},
               it == s.actors_by_state.end() ? 0.0 : static_cast<double>(it->second));
  }
  out.Family("photon_jobs", "gauge", "Submitted jobs by status");
  for (JobStatus status : {JobStatus::kPending, JobStatus::kRunning, JobStatus::kStopped, JobStatus::kSucceeded,
                           JobStatus::kFailed}) {
    auto it = s.jobs_by_status.find(JobStatusName(status));
    out.Sample("photon_jobs", {{"Status", JobStatusName(status)}},
               it == s.jobs_by_status.end() ? 0.0 : static_cast<double>(it->second));
  }
  out.Family("photon_queued_demand", "gauge", "Lease requests waiting for resources, cluster-wide");
  out.Sample("photon_queued_demand", {}, static_cast<double>(s.QueuedDemand()));

  // Per node: each family's samples follow its own header.
  auto per_node_store = [&](const std::string& name, const std::string& help, auto value, bool spilled) {
    out.Family(name, "gauge", help);
    for (const auto& [node, usage] : s.usage) {
      http::PrometheusText::Labels labels = {{"NodeId", absl::BytesToHexString(node)}};
      if (spilled) labels["Type"] = "Spilled";
      out.Sample(name, labels, static_cast<double>(value(usage.object_store())));
    }
  };
  per_node_store("ray_object_store_memory", "Object store bytes in use, by node",
                 [](const rpc::StoreStats& st) { return st.used_bytes(); }, false);
  per_node_store("photon_object_store_capacity_bytes", "Object store capacity, by node",
                 [](const rpc::StoreStats& st) { return st.capacity(); }, false);
  per_node_store("ray_spill_manager_objects_bytes", "Bytes of objects spilled to disk, by node",
                 [](const rpc::StoreStats& st) { return st.spilled_bytes(); }, true);
  auto per_node_machine = [&](const std::string& name, const std::string& help, auto value) {
    out.Family(name, "gauge", help);
    for (const auto& [node, stats] : s.stats) {
      out.Sample(name, {{"NodeId", absl::BytesToHexString(node)}}, static_cast<double>(value(stats.usage())));
    }
  };
  per_node_machine("ray_node_cpu_utilization", "CPU use of each node's machine, percent",
                   [](const rpc::NodeUsage& u) { return u.cpu_percent(); });
  per_node_machine("ray_node_mem_used", "Memory in use on each node's machine, bytes",
                   [](const rpc::NodeUsage& u) { return u.mem_used_bytes(); });
  per_node_machine("ray_node_mem_total", "Memory of each node's machine, bytes",
                   [](const rpc::NodeUsage& u) { return u.mem_total_bytes(); });
  return out.Text();
}

}  // namespace dashboard
}  // namespace photon
