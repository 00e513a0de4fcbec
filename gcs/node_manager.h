#pragma once

// NodeManager: the node table. Registers raylets, marks them DEAD (on
// unregister or a failed health check), persists every change through the
// StoreClient and publishes it on the NODE channel.
//
//   NodeManager nodes(store, publisher, clock);
//   RETURN_IF_ERROR(nodes.Initialize());          // reload after a restart
//   nodes.AddListener({.on_alive = ..., .on_dead = ...});
//   RETURN_IF_ERROR(nodes.Register(info));
//
// A node that is DEAD stays DEAD: its raylet must start again as a new node.
// Runs only on the GCS loop.

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/common/id.h"
#include "gcs/publisher.h"
#include "gcs/store/store_client.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {

class NodeManager {
 public:
  // Milliseconds since the epoch; injected so tests control time.
  using Clock = std::function<int64_t()>;

  struct Listener {
    std::function<void(const rpc::GcsNodeInfo&)> on_alive;
    std::function<void(const rpc::GcsNodeInfo&)> on_dead;
  };

  NodeManager(StoreClient& store, Publisher& publisher, Clock clock);

  // Loads the node table from storage. Nodes that were ALIVE are reported to
  // listeners added before this call, so health checks resume for them.
  absl::Status Initialize();

  void AddListener(Listener listener);

  // Registers a new node, or refreshes an ALIVE one (same NodeID).
  // InvalidArgument for a malformed request; FailedPrecondition for a DEAD node.
  absl::Status Register(rpc::GcsNodeInfo info);

  // Marks an ALIVE node DEAD with `reason`. NotFound for an unknown node;
  // a node already DEAD is left as it is (OK).
  absl::Status MarkDead(const NodeID& node_id, const std::string& reason);

  std::vector<rpc::GcsNodeInfo> All() const;
  // nullptr when unknown.
  const rpc::GcsNodeInfo* Find(const NodeID& node_id) const;
  bool IsAlive(const NodeID& node_id) const;

  // One NODE message per node, for pubsub snapshots.
  std::vector<rpc::PubMessage> Snapshot() const;

  static constexpr char kTable[] = "nodes";

 private:
  absl::Status Save(const rpc::GcsNodeInfo& info);
  void PublishNode(const rpc::GcsNodeInfo& info);

  StoreClient& store_;
  Publisher& publisher_;
  Clock clock_;
  absl::flat_hash_map<NodeID, rpc::GcsNodeInfo> nodes_;
  std::vector<Listener> listeners_;
};

// Validates the parts of a registration the cluster depends on.
absl::Status ValidateNodeInfo(const rpc::GcsNodeInfo& info);
// Validates resource names and amounts ("CPU": 4); `what` names the set in errors.
absl::Status ValidateResources(const rpc::ResourceSet& resources, const std::string& what);

}  // namespace gcs
}  // namespace photon
