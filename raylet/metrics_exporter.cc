#include "raylet/metrics_exporter.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "core/http/prometheus_text.h"

namespace photon {
namespace raylet {
namespace {

using SeriesLabels = http::PrometheusText::Labels;

SeriesLabels With(SeriesLabels base, std::initializer_list<std::pair<const std::string, std::string>> more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

// One family with one sample.
void Gauge(http::PrometheusText& out, const std::string& name, const std::string& help, const SeriesLabels& labels,
           double value) {
  out.Family(name, "gauge", help);
  out.Sample(name, labels, value);
}

}  // namespace

std::string MetricsExporter::Render(const rpc::GetNodeStatsReply& stats) const {
  const SeriesLabels base = {{"SessionName", labels_.session_name}, {"NodeAddress", labels_.node_address}};
  // Ray's node metrics (its reporter agent) label the node by `ip`, the
  // raylet's own by Component.
  const SeriesLabels node = With(base, {{"ip", labels_.node_address}, {"IsHeadNode", labels_.is_head ? "True" : "False"}});
  const SeriesLabels raylet = With(base, {{"Component", "raylet"}});
  http::PrometheusText out;

  const rpc::NodeUsage& usage = stats.usage();
  Gauge(out, "ray_node_cpu_utilization", "Total CPU usage on the node, percent (0-100) of all its CPUs", node,
        usage.cpu_percent());
  Gauge(out, "ray_node_cpu_count", "Logical CPUs of the node's machine", node, usage.cpu_count());
  Gauge(out, "ray_node_mem_used", "Memory used on the node, bytes (total minus available)", node,
        static_cast<double>(usage.mem_used_bytes()));
  Gauge(out, "ray_node_mem_available", "Memory available on the node, bytes (MemAvailable)", node,
        static_cast<double>(usage.mem_available_bytes()));
  Gauge(out, "ray_node_mem_total", "Total memory of the node, bytes", node,
        static_cast<double>(usage.mem_total_bytes()));

  out.Family("ray_resources", "gauge", "Logical resources of the node, by state (USED, AVAILABLE)");
  const auto& available = stats.available().amounts();
  std::map<std::string, double> totals(stats.total().amounts().begin(), stats.total().amounts().end());
  for (const auto& [name, total] : totals) {
    auto it = available.find(name);
    const double free = it == available.end() ? 0 : it->second;
    out.Sample("ray_resources", With(raylet, {{"Name", name}, {"State", "AVAILABLE"}}), free);
    out.Sample("ray_resources", With(raylet, {{"Name", name}, {"State", "USED"}}), std::max(0.0, total - free));
  }

  const rpc::StoreStats& store = stats.object_store();
  out.Family("ray_object_store_memory", "gauge", "Object store memory by location, bytes");
  out.Sample("ray_object_store_memory", With(raylet, {{"Location", "MMAP_SHM"}}),
             static_cast<double>(store.used_bytes()));
  out.Sample("ray_object_store_memory", With(raylet, {{"Location", "SPILLED"}}),
             static_cast<double>(store.spilled_bytes()));
  Gauge(out, "ray_object_store_used_memory", "Amount of memory currently occupied in the object store, bytes", raylet,
        static_cast<double>(store.used_bytes()));
  Gauge(out, "ray_object_store_available_memory", "Amount of memory currently available in the object store, bytes",
        raylet, static_cast<double>(std::max<int64_t>(0, store.capacity() - store.used_bytes())));
  Gauge(out, "ray_object_store_num_local_objects", "Number of objects currently in the object store", raylet,
        static_cast<double>(store.num_objects()));
  Gauge(out, "photon_object_store_capacity_bytes", "Size of the node's object store, bytes", raylet,
        static_cast<double>(store.capacity()));
  out.Family("ray_spill_manager_objects", "gauge", "Objects pinned in memory and spilled to disk");
  out.Sample("ray_spill_manager_objects", With(raylet, {{"Type", "Spilled"}}),
             static_cast<double>(store.num_spilled_objects()));
  out.Family("ray_spill_manager_objects_bytes", "gauge", "Bytes of objects pinned in memory and spilled to disk");
  out.Sample("ray_spill_manager_objects_bytes", With(raylet, {{"Type", "Pinned"}}),
             static_cast<double>(store.pinned_bytes()));
  out.Sample("ray_spill_manager_objects_bytes", With(raylet, {{"Type", "Spilled"}}),
             static_cast<double>(store.spilled_bytes()));
  for (const auto& [name, help, value] :
       {std::make_tuple("photon_object_store_evicted_bytes_total", "Bytes evicted from the object store",
                        store.evicted_bytes_total()),
        std::make_tuple("photon_object_store_spilled_bytes_total", "Bytes spilled to disk", store.spilled_bytes_total()),
        std::make_tuple("photon_object_store_restored_bytes_total", "Bytes restored from disk",
                        store.restored_bytes_total())}) {
    out.Family(name, "counter", help);
    out.Sample(name, raylet, static_cast<double>(value));
  }

  // Queued lease requests: those no node can hold, those holding their
  // resources while a worker starts, and the rest (waiting for resources).
  const int64_t infeasible = stats.num_infeasible_leases();
  const int64_t for_workers = stats.num_leases_waiting_for_workers();
  const int64_t for_resources = std::max<int64_t>(0, stats.num_queued_leases() - infeasible - for_workers);
  out.Family("ray_scheduler_unscheduleable_tasks", "gauge", "Lease requests waiting on the node, by reason");
  for (const auto& [reason, n] : {std::make_pair("Infeasible", infeasible),
                                  std::make_pair("WaitingForResources", for_resources),
                                  std::make_pair("WaitingForWorkers", for_workers)}) {
    out.Sample("ray_scheduler_unscheduleable_tasks", With(raylet, {{"Reason", reason}}), static_cast<double>(n));
  }
  Gauge(out, "photon_lease_requests_queued", "Lease requests not granted yet on the node", raylet,
        static_cast<double>(stats.num_queued_leases()));

  std::map<std::pair<int, int>, int> workers;  // (kind, state) -> how many
  for (const rpc::WorkerStats& w : stats.workers()) workers[{w.kind(), w.state()}]++;
  out.Family("photon_workers", "gauge", "Worker processes and drivers on the node, by kind and state");
  for (int kind = rpc::WorkerStats::Kind_MIN; kind <= rpc::WorkerStats::Kind_MAX; kind++) {
    for (int state = rpc::WorkerStats::State_MIN; state <= rpc::WorkerStats::State_MAX; state++) {
      out.Sample("photon_workers",
                 With(raylet, {{"Kind", rpc::WorkerStats::Kind_Name(kind)},
                               {"State", rpc::WorkerStats::State_Name(state)}}),
                 workers[{kind, state}]);
    }
  }
  return out.Text();
}

}  // namespace raylet
}  // namespace photon
