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
// lives until killed.
//
//   ActorManager actors(loop, token, nodes, publisher);
//   RETURN_IF_ERROR(actors.Register(data));          // schedules it
//   actors.Kill(id, /*no_restart=*/true);
//
// Runs only on the GCS loop. Actors are kept in memory (a GCS restart
// forgets them; their workers live on, unreachable by name).
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
#include "proto/gcs.pb.h"

namespace photon {
namespace rpc {
class TaskStream;
}
namespace gcs {

class ActorManager {
 public:
  ActorManager(EventLoop& loop, std::string token, NodeManager& nodes, Publisher& publisher);
  ~ActorManager();

  // InvalidArgument for a malformed actor; AlreadyExists for a taken name.
  absl::Status Register(rpc::ActorTableData actor);
  // NotFound for an unknown actor. Without `no_restart` the actor restarts
  // if it has restarts left.
  absl::Status Kill(const ActorID& id, bool no_restart, bool intentional_exit = false);
  absl::StatusOr<rpc::ActorTableData> Get(const ActorID& id) const;
  // NotFound when no actor that is not DEAD has that name.
  absl::StatusOr<rpc::ActorTableData> GetNamed(const std::string& name, const std::string& ns) const;
  // Ends the job's non-detached actors (their owner is gone).
  void OnJobFinished(const JobID& job);
  // Ends the non-detached actors `worker` owned: it exited (`how`).
  void OnOwnerDied(const WorkerID& worker, const std::string& how);

  // One ACTOR message per actor, for pubsub snapshots.
  std::vector<rpc::PubMessage> Snapshot() const;

 private:
  struct Actor {
    rpc::ActorTableData data;
    // Bumped at each scheduling attempt: callbacks of older ones are stale.
    uint64_t generation = 0;
    int64_t lease_id = 0;
    std::string raylet_address;
    std::shared_ptr<rpc::TaskStream> stream;
    bool kill_requested = false;
    bool no_restart = false;
    rpc::ActorDeathCause kill_cause;
  };

  void Schedule(Actor& actor);
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
  // The raylet of a lost worker answered a HealthCheck (`node_alive`) or not.
  void OnRayletProbed(const ActorID& id, uint64_t generation, const std::string& why, bool node_alive);
  // Restarts the actor, or ends it with `cause` when no restart is left.
  void RestartOrEnd(Actor& actor, rpc::ActorDeathCause cause);
  void End(Actor& actor, rpc::ActorDeathCause cause);
  // Kills the actor's worker (or, while it has none, ends the actor when
  // `no_restart`); OnWorkerLost then restarts or ends it with `cause`.
  void EndWorker(Actor& actor, bool no_restart, rpc::ActorDeathCause cause);
  void ReturnLease(const std::string& raylet_address, int64_t lease_id, bool worker_died);
  std::string RayletFor(const Actor& actor) const;
  void Publish(const Actor& actor);
  static rpc::ActorTableData Public(const rpc::ActorTableData& data);

  EventLoop& loop_;
  const std::string token_;
  NodeManager& nodes_;
  Publisher& publisher_;
  absl::flat_hash_map<ActorID, Actor> actors_;
  std::map<std::pair<std::string, std::string>, ActorID> named_;  // (namespace, name)
  rpc::ClientCache<rpc::RayletClient> raylets_;
};

rpc::ActorDeathCause DeathCause(rpc::ActorDeathCause::Kind kind, std::string message);

}  // namespace gcs
}  // namespace photon
