#pragma once

// PlacementGroupManager: gang reservations of bundles across nodes
// (DESIGN.md, Tasks: placement groups).
//
// Create picks a node for every bundle (scheduler::PlaceBundles on the view
// the raylets report) and reserves them with a two-phase commit: Prepare on
// every node involved; when all succeed, Commit on all; when any fails,
// Cancel on all and try again shortly. A group that does not fit yet stays
// PENDING (with the reason) and is retried every half second and whenever a
// node joins. A node that dies takes its bundles with it: the group goes to
// RESCHEDULING and only those bundles are placed again. Remove cancels the
// bundles everywhere. A non-detached group goes when its job finishes.
//
//   PlacementGroupManager groups(loop, token, nodes, resources);
//   RETURN_IF_ERROR(groups.Create(data));
//   ASSIGN_OR_RETURN(rpc::PlacementGroupTableData g, groups.Get(id));   // PG_CREATED once placed
//
// Runs only on the GCS loop; groups are kept in memory.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/common/id.h"
#include "core/rpc/client_cache.h"
#include "core/rpc/raylet_client.h"
#include "gcs/node_manager.h"
#include "gcs/resource_manager.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {

class PlacementGroupManager {
 public:
  PlacementGroupManager(EventLoop& loop, std::string token, NodeManager& nodes, ResourceManager& resources);

  // InvalidArgument for a malformed group; AlreadyExists for a taken name.
  absl::Status Create(rpc::PlacementGroupTableData group);
  // NotFound for an unknown group; removing a removed group is OK.
  absl::Status Remove(const PlacementGroupID& id);
  absl::StatusOr<rpc::PlacementGroupTableData> Get(const PlacementGroupID& id) const;
  absl::StatusOr<rpc::PlacementGroupTableData> GetNamed(const std::string& name, const std::string& ns) const;

  // `done` runs (on the loop) once the group is placed: OK(true); after
  // `timeout`: OK(false); when it is removed: FailedPrecondition.
  void WhenReady(const PlacementGroupID& id, std::chrono::milliseconds timeout,
                 std::function<void(absl::StatusOr<bool>)> done);

  void OnNodeAlive();
  void OnNodeDead(const NodeID& node);
  void OnJobFinished(const JobID& job);

 private:
  struct Group {
    rpc::PlacementGroupTableData data;
    // A two-phase commit is running (callbacks of older ones are stale).
    bool committing = false;
    uint64_t generation = 0;
    // WhenReady callers, by a number of their own (for their timeouts).
    std::map<uint64_t, std::function<void(absl::StatusOr<bool>)>> waiters;
  };

  // Places the bundles that have no node yet and starts the 2PC.
  void Schedule(Group& group);
  void SchedulePendingSoon();
  void Prepare(const PlacementGroupID& id, uint64_t generation, std::map<NodeID, std::vector<rpc::Bundle>> by_node);
  void Commit(const PlacementGroupID& id, uint64_t generation, std::map<NodeID, std::vector<rpc::Bundle>> by_node);
  // Every node committed: the group is placed (or, when a node died
  // meanwhile, goes on placing what it lost).
  void Committed(const PlacementGroupID& id, uint64_t generation,
                 const std::map<NodeID, std::vector<rpc::Bundle>>& by_node);
  void CancelOn(const NodeID& node, const PlacementGroupID& id);
  void Notify(Group& group, const absl::StatusOr<bool>& result);
  std::string RayletAddress(const NodeID& node) const;

  EventLoop& loop_;
  const std::string token_;
  NodeManager& nodes_;
  ResourceManager& resources_;
  absl::flat_hash_map<PlacementGroupID, Group> groups_;
  std::map<std::pair<std::string, std::string>, PlacementGroupID> named_;  // (namespace, name)
  rpc::ClientCache<rpc::RayletClient> raylets_;
  bool retry_scheduled_ = false;
  uint64_t next_waiter_ = 0;
};

}  // namespace gcs
}  // namespace photon
