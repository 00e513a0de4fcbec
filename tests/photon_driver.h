#pragma once
// Joins the test process to a Cluster fixture as a Photon driver whose local
// raylet is node `node` (so tests know where "local" is).
#include <memory>

#include "core/api/photon.h"
#include "core/rpc/addresses.h"
#include "tests/cluster_fixture.h"

namespace photon {
namespace testing {

// Throws photon::Error when the node is unknown or the cluster cannot be joined.
inline void InitDriver(Cluster& cluster, int node = 0) {
  absl::StatusOr<rpc::GcsNodeInfo> info = cluster.NodeInfo(node);
  if (!info.ok()) throw Error("test driver: " + info.status().ToString());
  Config config;
  config.address = cluster.gcs_address();
  config.token = cluster.token();
  config.raylet_address = rpc::RayletAddress(*info);
  Init(config);
}

// Starts a cluster of `num_nodes` nodes with `cpus_per_node` CPUs each and
// joins it as the driver on node 0. Throws photon::Error when either fails.
inline std::unique_ptr<Cluster> StartClusterWithDriver(int num_nodes, double cpus_per_node) {
  Cluster::Options options;
  options.num_nodes = num_nodes;
  options.cpus_per_node = cpus_per_node;
  absl::StatusOr<std::unique_ptr<Cluster>> cluster = Cluster::Start(options);
  if (!cluster.ok()) throw Error("test cluster: " + cluster.status().ToString());
  InitDriver(**cluster);
  return *std::move(cluster);
}

}  // namespace testing
}  // namespace photon
