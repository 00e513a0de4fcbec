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
// Removed groups stay listed (GetAll, Get) until kMaxRemovedGroups newer
// ones were removed; then the oldest is forgotten, here and in the store.
//
// Every change of state is written through to the "placement_groups" table
// of the store, so a GCS restarted on Redis carries on (Initialize):
//   - a PG_CREATED group stays as it is: its bundles are committed on their
//     raylets, which kept them, so nothing is placed twice;
//   - a group that was being placed may have a two-phase commit cut short
//     by the crash, which left bundles prepared or committed where the
//     table does not say: they are cancelled on every alive node that
//     holds none of the group's recorded bundles, and then the group is
//     placed again;
//   - bundles on a node that died meanwhile are placed again (the node's
//     health checks fail, or it was DEAD already).
//
//   PlacementGroupManager groups(loop, token, nodes, resources, store);
//   RETURN_IF_ERROR(groups.Initialize());         // reload after a restart
//   RETURN_IF_ERROR(groups.Create(data));
//   ASSIGN_OR_RETURN(rpc::PlacementGroupTableData g, groups.Get(id));   // PG_CREATED once placed
//
// Runs only on the GCS loop. With the in-memory store a GCS restart forgets
// every group (their bundles stay reserved on the raylets).
#include <chrono>
#include <deque>
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
#include "gcs/store/store_client.h"
#include "gcs/stored_table.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {

class PlacementGroupManager {
 public:
  // `store` keeps the group table; it must outlive the manager.
  PlacementGroupManager(EventLoop& loop, std::string token, NodeManager& nodes, ResourceManager& resources,
                        StoreClient& store);

  // Loads the group table from the store and carries on with each group
  // (see above; the RPCs that needs are sent from the loop).
  // REQUIRES: the node table is loaded; called once, before any Create.
  absl::Status Initialize();

  // InvalidArgument for a malformed group; AlreadyExists for a taken name;
  // the store's error when the group cannot be stored.
  absl::Status Create(rpc::PlacementGroupTableData group);
  // NotFound for an unknown group; removing a removed group is OK; the
  // store's error (nothing removed) when the removal cannot be stored.
  absl::Status Remove(const PlacementGroupID& id);
  absl::StatusOr<rpc::PlacementGroupTableData> Get(const PlacementGroupID& id) const;
  absl::StatusOr<rpc::PlacementGroupTableData> GetNamed(const std::string& name, const std::string& ns) const;
  // The groups kept: those not removed first, by group id, then the removed
  // ones, the most recently removed first; at most `limit` (0: no limit).
  // `total` counts them all.
  rpc::GetAllPlacementGroupReply GetAll(int limit) const;

  // `done` runs (on the loop) once the group is placed: OK(true); after
  // `timeout` (negative: no limit): OK(false); when it is removed:
  // FailedPrecondition; NotFound for an unknown group.
  void WhenReady(const PlacementGroupID& id, std::chrono::milliseconds timeout,
                 std::function<void(absl::StatusOr<bool>)> done);
  // `done` gets the node of bundle `bundle_index` once the group is placed
  // (-1: any bundle, taking turns), or WhenReady's error; InvalidArgument
  // when the group has no such bundle. May run before this returns.
  void WhenBundlePlaced(const PlacementGroupID& id, int bundle_index,
                        std::function<void(absl::StatusOr<NodeID>)> done);
  // Run (on the loop) for each group removed: `on_removed` once it is
  // PG_REMOVED, before its bundles are cancelled on their nodes;
  // `on_cancelled` once every node answered the cancel (or was dead).
  void SetOnRemoved(std::function<void(const PlacementGroupID&)> on_removed,
                    std::function<void(const PlacementGroupID&)> on_cancelled) {
    on_removed_ = std::move(on_removed);
    on_cancelled_ = std::move(on_cancelled);
  }

  void OnNodeAlive();
  void OnNodeDead(const NodeID& node);
  void OnJobFinished(const JobID& job);

  // The store table of PlacementGroupTableData, by group id.
  static constexpr char kTable[] = "placement_groups";
  // How many removed groups are kept: the most recently removed ones (by
  // remove_time_ms across a restart).
  static constexpr size_t kMaxRemovedGroups = 1000;

 private:
  struct Group {
    rpc::PlacementGroupTableData data;
    // A two-phase commit is running (callbacks of older ones are stale).
    bool committing = false;
    // Loaded from the store and not placeable yet: what an interrupted
    // two-phase commit left on the raylets is being cancelled.
    bool recovering = false;
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
  // Cancels the group's bundles on `node`; `done` (may be empty) runs when
  // the raylet answered, or at once when the node is not alive.
  void CancelOn(const NodeID& node, const PlacementGroupID& id, std::function<void()> done = nullptr);
  // Cancels what a two-phase commit cut short by a GCS restart may have
  // left of the group on alive nodes, then places it.
  void Recover(const PlacementGroupID& id);
  // Writes the group's row; Save logs a failure, Store returns it.
  void Save(const Group& group);
  absl::Status Store(const rpc::PlacementGroupTableData& data);
  void Notify(Group& group, const absl::StatusOr<bool>& result);
  // Forgets the oldest removed groups beyond kMaxRemovedGroups (and their
  // rows). Posted from Remove, which callers may run inside loops over groups_.
  void ForgetOldRemoved();
  std::string RayletAddress(const NodeID& node) const;

  EventLoop& loop_;
  const std::string token_;
  NodeManager& nodes_;
  ResourceManager& resources_;
  StoredTable<rpc::PlacementGroupTableData> table_;
  absl::flat_hash_map<PlacementGroupID, Group> groups_;
  std::map<std::pair<std::string, std::string>, PlacementGroupID> named_;  // (namespace, name)
  std::deque<PlacementGroupID> removed_;  // the removed groups kept, oldest removal first
  bool forget_posted_ = false;
  rpc::ClientCache<rpc::RayletClient> raylets_;
  bool retry_scheduled_ = false;
  uint64_t next_waiter_ = 0;
  uint32_t next_any_bundle_ = 0;  // WhenBundlePlaced's turns for bundle -1
  std::function<void(const PlacementGroupID&)> on_removed_;
  std::function<void(const PlacementGroupID&)> on_cancelled_;
};

}  // namespace gcs
}  // namespace photon
