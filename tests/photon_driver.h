#pragma once
// Joins the test process to a Cluster fixture as a Photon driver whose local
// raylet is node `node` (so tests know where "local" is).
#include "absl/strings/str_cat.h"
#include "core/api/photon.h"
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
  config.raylet_address = absl::StrCat(info->node_ip(), ":", info->raylet_port());
  Init(config);
}

}  // namespace testing
}  // namespace photon
