#pragma once

// The dashboard's GET /metrics: the cluster view in Prometheus text, with
// Ray's metric names where Ray has one (ray_resources, ray_tasks,
// ray_actors, ray_object_store_memory, ray_spill_manager_objects_bytes,
// ray_node_cpu_utilization, ray_node_mem_used/_total) and photon_ names for
// the rest (photon_nodes, photon_jobs, photon_resources_total).
//
//   std::string text = ClusterPrometheusText(snapshot);
//
// Thread-safe (no state).

#include <string>

#include "dashboard/cluster_view.h"

namespace photon {
namespace dashboard {

std::string ClusterPrometheusText(const ClusterSnapshot& snapshot);

}  // namespace dashboard
}  // namespace photon
