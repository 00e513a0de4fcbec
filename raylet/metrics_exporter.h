#pragma once

// MetricsExporter: a raylet's Prometheus metrics (GET /metrics on
// --metrics-export-port), rendered from a snapshot of its node stats.
//
// Ray's metric names where Ray has one, so Ray's Grafana dashboards and
// alerts carry over:
//   ray_node_cpu_utilization, ray_node_cpu_count, ray_node_mem_used,
//   ray_node_mem_available, ray_node_mem_total        (the machine, /proc)
//   ray_resources{Name,State=USED|AVAILABLE}           (logical resources)
//   ray_object_store_memory{Location=MMAP_SHM|SPILLED},
//   ray_object_store_used_memory, ray_object_store_available_memory,
//   ray_object_store_num_local_objects,
//   ray_spill_manager_objects{Type}, ray_spill_manager_objects_bytes{Type}
//   ray_scheduler_unscheduleable_tasks{Reason=Infeasible|
//       WaitingForResources|WaitingForWorkers}         (queued lease requests)
// and photon_ names for what Ray does not export:
//   photon_workers{Kind=TASK|ACTOR|DRIVER,State=IDLE|BUSY|STARTING}
//   photon_lease_requests_queued
//   photon_object_store_capacity_bytes, photon_*_bytes_total (counters)
// Every series carries SessionName and NodeAddress; the ray_node_* ones also
// Ray's `ip` and `IsHeadNode`, the others Ray's Component="raylet". Every
// label combination of the fixed sets (worker kinds and states, reasons) is
// written, zeros included, so series do not come and go.
//
//   MetricsExporter exporter({.node_address = "10.0.0.5", .session_name = "session_...", .is_head = true});
//   std::string text = exporter.Render(raylet_stats);   // Content-Type: http::kPrometheusContentType
//
// Thread-safe (Render reads only its arguments and the constant labels).

#include <string>

#include "proto/raylet.pb.h"

namespace photon {
namespace raylet {

class MetricsExporter {
 public:
  struct Labels {
    std::string node_address;  // the node's IP
    std::string session_name;  // the session directory's name ("" without one)
    bool is_head = false;
  };

  explicit MetricsExporter(Labels labels) : labels_(std::move(labels)) {}

  std::string Render(const rpc::GetNodeStatsReply& stats) const;

 private:
  const Labels labels_;
};

}  // namespace raylet
}  // namespace photon
