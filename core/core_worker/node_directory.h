#pragma once
// NodeDirectory: the core worker's view of the cluster's nodes, kept current
// from the GCS NODE channel: where each node's raylet and object manager
// listen, its resources, and whether it is alive.
//
//   NodeDirectory nodes(gcs_client, [&](const NodeID& dead) { OnNodeDead(dead); });
//   nodes.Start();                      // blocks until the first snapshot
//   std::optional<rpc::GcsNodeInfo> n = nodes.Get(id);
//
// `on_node_dead` runs once per node that dies, on the subscriber's thread.
// Thread-safe.
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "core/common/id.h"
#include "gcs/client/gcs_subscriber.h"

namespace photon {
namespace core {

class NodeDirectory {
 public:
  using OnNodeDead = std::function<void(const NodeID&)>;

  NodeDirectory(gcs::GcsClient& gcs, OnNodeDead on_node_dead);
  ~NodeDirectory();

  // Subscribes and waits (up to `timeout`) for the first snapshot.
  absl::Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  void Stop();

  std::optional<rpc::GcsNodeInfo> Get(const NodeID& id) const;
  bool IsDead(const NodeID& id) const;
  std::vector<rpc::GcsNodeInfo> Alive() const;
  // HOST:PORT of the node's raylet / object manager; empty when unknown.
  std::string RayletAddress(const NodeID& id) const;
  std::string ObjectManagerAddress(const NodeID& id) const;
  // True when some alive node's total resources can hold `request`.
  bool AnyNodeCanHold(const rpc::ResourceSet& request) const;

 private:
  void Apply(const rpc::GcsNodeInfo& node);

  gcs::GcsClient& gcs_;
  const OnNodeDead on_node_dead_;
  std::unique_ptr<gcs::GcsSubscriber> subscriber_;
  mutable absl::Mutex mu_;
  bool have_snapshot_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<NodeID, rpc::GcsNodeInfo> nodes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<NodeID> reported_dead_ ABSL_GUARDED_BY(mu_);
};

}  // namespace core
}  // namespace photon
