#pragma once

// ResourceManager: the cluster-wide resource view, total and available per
// ALIVE node, as raylets report it. Changes are published on the RESOURCES
// channel (a report that changes nothing publishes nothing).
//
//   nodes.AddListener({.on_alive = [&](auto& n) { resources.OnNodeAlive(n); },
//                      .on_dead = [&](auto& n) { resources.OnNodeDead(n); }});
//   RETURN_IF_ERROR(resources.Report(usage));   // NotFound: re-register first
//
// The view is not persisted: after a GCS restart raylets report again.
// Runs only on the GCS loop.

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/common/id.h"
#include "gcs/node_manager.h"
#include "gcs/publisher.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {

class ResourceManager {
 public:
  ResourceManager(const NodeManager& nodes, Publisher& publisher);

  // NotFound when the node is unknown to this GCS or DEAD (the raylet then
  // re-registers); InvalidArgument for a malformed report.
  absl::Status Report(const rpc::ResourceUsage& usage);

  // A new node starts with everything available.
  void OnNodeAlive(const rpc::GcsNodeInfo& node);
  void OnNodeDead(const rpc::GcsNodeInfo& node);

  std::vector<rpc::ResourceUsage> All() const;
  std::vector<rpc::PubMessage> Snapshot() const;

 private:
  void PublishUsage(const rpc::ResourceUsage& usage);

  const NodeManager& nodes_;
  Publisher& publisher_;
  absl::flat_hash_map<NodeID, rpc::ResourceUsage> usage_;
};

}  // namespace gcs
}  // namespace photon
