#pragma once

// ActorManager: the GCS side of actors (DESIGN.md, Tasks: actors).
//
// An owner registers an actor with its constructor call; the manager asks a
// raylet for a worker lease (the owner's node first, following spillback),
// opens a task stream to the leased worker and pushes the constructor. The
// stream stays open for the actor's life: when it closes, the worker died.
// Then the actor restarts (the constructor runs again on a new worker)
// while restarts remain (max_restarts, -1 = unlimited), else it is DEAD
// with a cause: the worker died, its node died, it was killed, its owner
// went away, or its constructor threw. Every state change is published on
// the ACTOR channel; callers follow it to find the actor's address.
//
// Names are unique per namespace among actors not DEAD. A non-detached
// actor dies when its owner's job finishes (OnJobFinished); a detached one
// lives until killed. DEAD actors stay listed (GetAll, Get: their death
// cause) until kMaxDeadActors newer ones died; then the oldest is
// forgotten, in memory and in the store, so a long-lived cluster that
// churns through actors does not grow the GCS without bound.
//
// Every change is written through to the "actors" table of the store (an
// ActorTableRow: the actor, its constructor call, the lease its worker
// holds, a kill under way), so a GCS restarted on Redis carries on
// (Initialize): names are found again, restart counts go on, and
//   - an ALIVE actor keeps its worker and lease: the GCS opens a stream to
//     the worker again and follows it as before (no new lease);
//   - an actor being created or restarted starts its creation again: the
//     worker leased for it, if any, is ended first, as its constructor may
//     or may not have run there;
//   - an actor whose worker or node died while the GCS was down is found
//     out (the stream does not connect, its raylet reports the worker's
//     death, or the node fails its health checks) and restarts per
//     max_restarts.
//
//   ActorManager actors(loop, token, nodes, publisher, store);
//   RETURN_IF_ERROR(actors.Initialize());            // reload after a restart
//   RETURN_IF_ERROR(actors.Register(data));          // schedules it
//   actors.Kill(id, /*no_restart=*/true);
//
// Runs only on the GCS loop. With the in-memory store a GCS restart forgets
// every actor (their workers live on, unreachable by name).
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
#include "gcs/publisher.h"
#include "gcs/store/store_client.h"
#include "gcs/stored_table.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace rpc {
class TaskStream;
}
namespace gcs {

class ActorManager {
 public:
  // `store` keeps the actor table; it must outlive the manager.
  ActorManager(EventLoop& loop, std::string token, NodeManager& nodes, Publisher& publisher, StoreClient& store);
  ~ActorManager();

  // Loads the actor table from the store and carries on with each actor
  // that is not DEAD (see above; that part runs posted to the loop).
  // REQUIRES: the node table is loaded; called once, before any Register.
  absl::Status Initialize();

  // InvalidArgument for a malformed actor; AlreadyExists for a taken name;
  // the store's error when the actor cannot be stored. Registering an actor
  // again (same id: a retried call) is OK and changes nothing.
  absl::Status Register(rpc::ActorTableData actor);
  // NotFound for an unknown actor. Without `no_restart` the actor restarts
  // if it has restarts left.
  absl::Status Kill(const ActorID& id, bool no_restart, bool intentional_exit = false);
  absl::StatusOr<rpc::ActorTableData> Get(const ActorID& id) const;
  // NotFound when no actor that is not DEAD has that name.
  absl::StatusOr<rpc::ActorTableData> GetNamed(const std::string& name, const std::string& ns) const;
  // The actors kept in `state` (ACTOR_STATE_UNSPECIFIED: any): those not
  // DEAD first, by actor id, then the DEAD ones, the most recently dead
  // first; at most `limit` of them (0: no limit). `total` counts every match.
  rpc::GetAllActorInfoReply GetAll(rpc::ActorState state, int limit) const;
  // Ends the job's non-detached actors (their owner is gone).
  void OnJobFinished(const JobID& job);
  // Ends the non-detached actors `worker` owned: it exited (`how`).
  void OnOwnerDied(const WorkerID& worker, const std::string& how);
  // `worker` exited (`how`), as its raylet reports: the actor it ran, if
  // any, restarts or ends. Usually its stream said so first; this covers a
  // death while the GCS was down, reported once it is back.
  void OnWorkerDied(const WorkerID& worker, const std::string& how);
  // The actors on `node` lost their workers (`reason`: why it is DEAD).
  void OnNodeDead(const NodeID& node, const std::string& reason);

  // Where a bundle of a placement group is: `done` gets the node of bundle
  // `bundle_index` (-1: any bundle) once the group is placed, or an error
  // when the group is unknown, removed, or has no such bundle. `done` may
  // run before this returns.
  using BundleLocator =
      std::function<void(const PlacementGroupID&, int bundle_index, std::function<void(absl::StatusOr<NodeID>)>)>;
  // Actors created into a placement group wait for it to be placed, then
  // go to their bundle's node. REQUIRES: set before Initialize.
  void SetBundleLocator(BundleLocator locator) { locate_bundle_ = std::move(locator); }
  // The actors created into `group` end (no restart): it was removed. Their
  // workers are stopped by their raylets, which end every lease of the
  // group's bundles at once (ending one here first would hand its CPUs to a
  // task of the group queued there); OnPlacementGroupCancelled then ends any
  // a raylet did not.
  void OnPlacementGroupRemoved(const PlacementGroupID& group);
  void OnPlacementGroupCancelled(const PlacementGroupID& group);

  // One ACTOR message per actor, for pubsub snapshots.
  std::vector<rpc::PubMessage> Snapshot() const;

  // The store table of ActorTableRows, by actor id.
  static constexpr char kTable[] = "actors";
  // How many DEAD actors are kept: the most recently dead ones (by
  // end_time_ms across a restart). Ray bounds its cache of destroyed
  // actors the same way.
  static constexpr size_t kMaxDeadActors = 1000;

 private:
  struct Actor {
    rpc::ActorTableData data;
    // Bumped at each scheduling attempt: callbacks of older ones are stale.
    uint64_t generation = 0;
    int64_t lease_id = 0;
    std::string raylet_address;
    std::shared_ptr<rpc::TaskStream> stream;
    // The node of its placement group bundle, while one is being asked for.
    std::string bundle_node;
    bool kill_requested = false;
    bool no_restart = false;
    rpc::ActorDeathCause kill_cause;
  };

  // Carries on with an actor loaded from the store.
  void Resume(const ActorID& id);
  // Opens a stream to the worker of an ALIVE actor loaded from the store.
  void Reattach(Actor& actor);
  void OnReattached(const ActorID& id, uint64_t generation, absl::StatusOr<std::shared_ptr<rpc::TaskStream>> stream);
  void Schedule(Actor& actor);
  // Schedule's part for an actor created into a placement group.
  void ScheduleInBundle(Actor& actor, uint64_t generation);
  void RequestLease(const ActorID& id, uint64_t generation, const std::string& raylet_address, bool spilled_back);
  void OnLeaseReply(const ActorID& id, uint64_t generation, const std::string& raylet_address,
                    absl::StatusOr<rpc::RequestWorkerLeaseReply> reply);
  void OnLeaseGranted(const ActorID& id, uint64_t generation, const std::string& raylet_address,
                      const rpc::RequestWorkerLeaseReply& reply);
  // The stream to the leased worker is open (or failed to): push the constructor.
  void OnConnected(const ActorID& id, uint64_t generation, const std::string& worker_address,
                   absl::StatusOr<std::shared_ptr<rpc::TaskStream>> stream);
  void OnCreated(const ActorID& id, uint64_t generation, const rpc::TaskReply& reply,
                 const std::string& worker_address);
  void OnWorkerLost(const ActorID& id, uint64_t generation, const std::string& why);
  // Drops what the actor's lost worker held (stream, lease). True when a
  // kill asked for the loss, which is then finished here.
  bool ReleaseLostWorker(Actor& actor);
  // The raylet of a lost worker answered a HealthCheck (`node_alive`) or not.
  void OnRayletProbed(const ActorID& id, uint64_t generation, const std::string& why, bool node_alive);
  // Restarts the actor, or ends it with `cause` when no restart is left.
  void RestartOrEnd(Actor& actor, rpc::ActorDeathCause cause);
  void End(Actor& actor, rpc::ActorDeathCause cause);
  // Forgets the oldest DEAD actors beyond kMaxDeadActors (and their rows).
  // Not called from End: End runs inside loops over actors_.
  void ForgetOldDead();
  // Kills the actor's worker (or, while no worker is leased for it, ends
  // the actor when `no_restart`); OnWorkerLost then restarts or ends it
  // with `cause`.
  void EndWorker(Actor& actor, bool no_restart, rpc::ActorDeathCause cause);
  void ReturnLease(const std::string& raylet_address, int64_t lease_id, bool worker_died);
  std::string RayletFor(const Actor& actor) const;
  void Publish(const Actor& actor);
  // Writes the actor's row; Save logs a failure (the in-memory state goes
  // on: it is what this GCS serves), Store returns it.
  void Save(const Actor& actor);
  absl::Status Store(const Actor& actor);
  static rpc::ActorTableData Public(const rpc::ActorTableData& data);

  EventLoop& loop_;
  const std::string token_;
  NodeManager& nodes_;
  Publisher& publisher_;
  StoredTable<rpc::ActorTableRow> table_;
  absl::flat_hash_map<ActorID, Actor> actors_;
  std::map<std::pair<std::string, std::string>, ActorID> named_;  // (namespace, name)
  std::deque<ActorID> dead_;  // the DEAD actors kept, oldest death first
  bool forget_posted_ = false;
  rpc::ClientCache<rpc::RayletClient> raylets_;
  BundleLocator locate_bundle_;
};

rpc::ActorDeathCause DeathCause(rpc::ActorDeathCause::Kind kind, std::string message);

}  // namespace gcs
}  // namespace photon
