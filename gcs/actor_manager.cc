#include "gcs/actor_manager.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/rpc/addresses.h"
#include "core/rpc/task_stream.h"
#include "core/common/wall_clock.h"

namespace photon {
namespace gcs {
constexpr char ActorManager::kTable[];
constexpr size_t ActorManager::kMaxDeadActors;

rpc::ActorDeathCause DeathCause(rpc::ActorDeathCause::Kind kind, std::string message) {
  rpc::ActorDeathCause cause;
  cause.set_kind(kind);
  cause.set_message(std::move(message));
  return cause;
}

ActorManager::ActorManager(EventLoop& loop, std::string token, NodeManager& nodes, Publisher& publisher,
                           StoreClient& store)
    : loop_(loop),
      token_(std::move(token)),
      nodes_(nodes),
      publisher_(publisher),
      table_(store, kTable),
      raylets_(loop, token_) {}

ActorManager::~ActorManager() = default;

absl::Status ActorManager::Initialize() {
  absl::StatusOr<std::vector<std::pair<std::string, rpc::ActorTableRow>>> rows = table_.LoadAll();
  if (!rows.ok()) return rows.status();
  std::vector<ActorID> live;
  std::vector<std::pair<int64_t, ActorID>> dead;  // (end_time_ms, id)
  for (auto& [key, row] : *rows) {
    absl::StatusOr<ActorID> id = ActorID::FromBinary(row.data().actor_id());
    if (!id.ok() || key != row.data().actor_id()) {
      PHOTON_LOG(ERROR) << "actor table: skipping a row whose key is not its actor id";
      continue;
    }
    Actor& actor = actors_[*id];
    actor.data = std::move(*row.mutable_data());
    actor.lease_id = row.lease_id();
    actor.raylet_address = row.raylet_address();
    actor.kill_requested = row.kill_requested();
    actor.no_restart = row.no_restart();
    actor.kill_cause = row.kill_cause();
    if (actor.data.state() == rpc::DEAD) {
      dead.emplace_back(actor.data.end_time_ms(), *id);
      continue;
    }
    if (!actor.data.name().empty()) named_[{actor.data.namespace_(), actor.data.name()}] = *id;
    live.push_back(*id);
  }
  std::sort(dead.begin(), dead.end());
  for (const auto& [end_ms, id] : dead) dead_.push_back(id);
  ForgetOldDead();
  PHOTON_LOG(INFO) << "actor table loaded: " << actors_.size() << " actors, " << live.size() << " not dead";
  loop_.Post("Actors.Resume", [this, live = std::move(live)] {
    for (const ActorID& id : live) Resume(id);
  });
  return absl::OkStatus();
}

void ActorManager::Resume(const ActorID& id) {
  auto it = actors_.find(id);
  if (it == actors_.end() || it->second.data.state() == rpc::DEAD) return;
  Actor& actor = it->second;
  if (actor.kill_requested) {
    // The GCS went down while ending the actor's worker: finish that.
    ReturnLease(actor.raylet_address, actor.lease_id, true);
    actor.lease_id = 0;
    actor.kill_requested = false;
    if (actor.no_restart) return End(actor, actor.kill_cause);
    return RestartOrEnd(actor, actor.kill_cause);
  }
  if (actor.data.state() == rpc::ALIVE) return Reattach(actor);
  // It was being created. Its constructor may or may not have run on the
  // worker leased for it (if one was): that worker ends, and creation
  // starts over as the same attempt.
  PHOTON_LOG(INFO) << "actor " << id.ShortHex() << " was being created when the GCS went down; creating it again";
  ReturnLease(actor.raylet_address, actor.lease_id, true);
  actor.lease_id = 0;
  actor.data.clear_address();
  Schedule(actor);
}

void ActorManager::Reattach(Actor& actor) {
  const ActorID id = *ActorID::FromBinary(actor.data.actor_id());
  const uint64_t generation = ++actor.generation;
  absl::StatusOr<NodeID> node = NodeID::FromBinary(actor.data.address().node_id());
  if (!node.ok() || !nodes_.IsAlive(*node)) {
    if (ReleaseLostWorker(actor)) return;
    return RestartOrEnd(actor, DeathCause(rpc::ActorDeathCause::NODE_DIED,
                                          "the node running the actor died while the GCS was down"));
  }
  rpc::TaskStream::Connect(loop_, actor.data.address(),
                           [this, id, generation](absl::StatusOr<std::shared_ptr<rpc::TaskStream>> s) {
                             OnReattached(id, generation, std::move(s));
                           });
}

void ActorManager::OnReattached(const ActorID& id, uint64_t generation,
                                absl::StatusOr<std::shared_ptr<rpc::TaskStream>> stream) {
  auto it = actors_.find(id);
  if (it == actors_.end() || it->second.generation != generation) {
    if (stream.ok()) (*stream)->Close(absl::CancelledError("the actor moved on meanwhile"));
    return;
  }
  if (!stream.ok()) {
    return OnWorkerLost(id, generation,
                        absl::StrCat("it does not answer since the GCS restarted: ", stream.status().message()));
  }
  Actor& actor = it->second;
  actor.stream = *stream;
  // The worker only reads what callers send it: this stream is for noticing
  // when it goes, as the creator's stream was.
  actor.stream->Start([](rpc::TaskStreamFrame) {},
                      [this, id, generation](const absl::Status& why) {
                        OnWorkerLost(id, generation, std::string(why.message()));
                      });
  rpc::TaskStreamFrame hello;
  hello.set_token(token_);
  actor.stream->Send(hello);
  PHOTON_LOG(INFO) << "actor " << id.ShortHex() << " is still alive at " << rpc::HostPort(actor.data.address())
                   << " (reconnected after a GCS restart)";
}

absl::Status ActorManager::Store(const Actor& actor) {
  rpc::ActorTableRow row;
  *row.mutable_data() = actor.data;
  row.set_lease_id(actor.lease_id);
  row.set_raylet_address(actor.raylet_address);
  row.set_kill_requested(actor.kill_requested);
  row.set_no_restart(actor.no_restart);
  *row.mutable_kill_cause() = actor.kill_cause;
  return table_.Put(actor.data.actor_id(), row);
}

void ActorManager::Save(const Actor& actor) {
  absl::Status saved = Store(actor);
  if (!saved.ok()) {
    PHOTON_LOG(ERROR) << "actor " << ActorID::FromBinary(actor.data.actor_id())->ShortHex()
                      << ": a GCS restart would not see its latest state: " << saved;
  }
}

absl::Status ActorManager::Register(rpc::ActorTableData data) {
  absl::StatusOr<ActorID> id = ActorID::FromBinary(data.actor_id());
  if (!id.ok()) return absl::InvalidArgumentError(absl::StrCat("register actor: ", id.status().message()));
  if (!data.creation_spec().actor_creation()) {
    return absl::InvalidArgumentError("register actor " + id->Hex() + ": no constructor call (creation_spec)");
  }
  // A retry of a call that reached a GCS (this one, or the one before a restart).
  if (actors_.contains(*id)) return absl::OkStatus();
  const auto key = std::make_pair(data.namespace_(), data.name());
  if (!data.name().empty() && named_.count(key) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("an actor named '", data.name(), "' already exists in namespace '",
                                                 data.namespace_(), "'"));
  }
  data.set_state(rpc::PENDING_CREATION);
  data.set_num_restarts(0);
  Actor registered;
  registered.data = std::move(data);
  absl::Status stored = Store(registered);
  if (!stored.ok()) {
    return absl::Status(stored.code(), absl::StrCat("register actor ", id->Hex(), ": ", stored.message()));
  }
  if (!registered.data.name().empty()) named_[key] = *id;
  Actor& actor = actors_[*id];
  actor = std::move(registered);
  PHOTON_LOG(INFO) << "actor " << id->ShortHex() << " (" << actor.data.class_name() << ") registered";
  Publish(actor);
  Schedule(actor);
  return absl::OkStatus();
}

absl::StatusOr<rpc::ActorTableData> ActorManager::Get(const ActorID& id) const {
  auto it = actors_.find(id);
  if (it == actors_.end()) return absl::NotFoundError("no actor " + id.Hex());
  return Public(it->second.data);
}

absl::StatusOr<rpc::ActorTableData> ActorManager::GetNamed(const std::string& name, const std::string& ns) const {
  auto it = named_.find({ns, name});
  if (it == named_.end()) {
    return absl::NotFoundError(absl::StrCat("no actor named '", name, "' in namespace '", ns, "'"));
  }
  return Get(it->second);
}

rpc::GetAllActorInfoReply ActorManager::GetAll(rpc::ActorState state, int limit) const {
  rpc::GetAllActorInfoReply reply;
  const auto wanted = [state](const rpc::ActorTableData& data) {
    return state == rpc::ACTOR_STATE_UNSPECIFIED || data.state() == state;
  };
  const auto room = [&reply, limit] { return limit <= 0 || reply.actors_size() < limit; };
  if (state != rpc::DEAD) {
    std::vector<const rpc::ActorTableData*> live;
    for (const auto& [id, actor] : actors_) {
      if (actor.data.state() != rpc::DEAD && wanted(actor.data)) live.push_back(&actor.data);
    }
    std::sort(live.begin(), live.end(), [](const rpc::ActorTableData* a, const rpc::ActorTableData* b) {
      return a->actor_id() < b->actor_id();
    });
    reply.set_total(static_cast<int64_t>(live.size()));
    for (const rpc::ActorTableData* data : live) {
      if (!room()) break;
      *reply.add_actors() = Public(*data);
    }
  }
  if (state == rpc::ACTOR_STATE_UNSPECIFIED || state == rpc::DEAD) {
    reply.set_total(reply.total() + static_cast<int64_t>(dead_.size()));
    for (auto it = dead_.rbegin(); it != dead_.rend() && room(); ++it) *reply.add_actors() = Public(actors_.at(*it).data);
  }
  return reply;
}

void ActorManager::ForgetOldDead() {
  forget_posted_ = false;
  while (dead_.size() > kMaxDeadActors) {
    const ActorID oldest = dead_.front();
    dead_.pop_front();
    actors_.erase(oldest);
    absl::Status deleted = table_.Delete(oldest.Binary());
    if (!deleted.ok()) {
      PHOTON_LOG(WARNING) << "forgetting dead actor " << oldest.ShortHex() << ": " << deleted;
    }
  }
}

std::vector<rpc::PubMessage> ActorManager::Snapshot() const {
  std::vector<rpc::PubMessage> out;
  for (const auto& [id, actor] : actors_) {
    rpc::PubMessage m;
    m.set_channel(rpc::ACTOR);
    *m.mutable_actor() = Public(actor.data);
    out.push_back(std::move(m));
  }
  return out;
}

rpc::ActorTableData ActorManager::Public(const rpc::ActorTableData& data) {
  rpc::ActorTableData out = data;
  out.clear_creation_spec();  // arguments can be large; nobody outside needs them
  out.clear_worker_command();
  return out;
}

void ActorManager::Publish(const Actor& actor) {
  rpc::PubMessage m;
  m.set_channel(rpc::ACTOR);
  *m.mutable_actor() = Public(actor.data);
  publisher_.Publish(std::move(m));
}

std::string ActorManager::RayletFor(const Actor& actor) const {
  // The owner's node first (its raylet spills the lease on when it must).
  absl::StatusOr<NodeID> owner_node = NodeID::FromBinary(actor.data.owner().node_id());
  if (owner_node.ok() && nodes_.IsAlive(*owner_node)) {
    return rpc::RayletAddress(*nodes_.Find(*owner_node));
  }
  for (const rpc::GcsNodeInfo& n : nodes_.All()) {
    if (n.state() == rpc::GcsNodeInfo::ALIVE) return rpc::RayletAddress(n);
  }
  return "";
}

void ActorManager::Schedule(Actor& actor) {
  const ActorID id = *ActorID::FromBinary(actor.data.actor_id());
  const uint64_t generation = ++actor.generation;
  actor.lease_id = 0;
  actor.stream.reset();
  actor.bundle_node.clear();
  if (actor.data.creation_spec().strategy().kind() == rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP &&
      locate_bundle_) {
    return ScheduleInBundle(actor, generation);
  }
  const std::string raylet = RayletFor(actor);
  if (raylet.empty()) {
    // No node yet: try again when one may have joined.
    loop_.RunAfter("Actors.Reschedule", std::chrono::seconds(1), [this, id, generation] {
      auto it = actors_.find(id);
      if (it != actors_.end() && it->second.generation == generation && it->second.data.state() != rpc::DEAD) {
        Schedule(it->second);
      }
    });
    return;
  }
  RequestLease(id, generation, raylet, false);
}

void ActorManager::ScheduleInBundle(Actor& actor, uint64_t generation) {
  const ActorID id = *ActorID::FromBinary(actor.data.actor_id());
  const rpc::LeaseSchedulingStrategy& strategy = actor.data.creation_spec().strategy();
  absl::StatusOr<PlacementGroupID> group = PlacementGroupID::FromBinary(strategy.placement_group_id());
  if (!group.ok()) {
    return End(actor, DeathCause(rpc::ActorDeathCause::CREATION_FAILED,
                                 "bad placement group id: " + std::string(group.status().message())));
  }
  // The actor waits (PENDING_CREATION) until its group is placed.
  locate_bundle_(*group, strategy.bundle_index(), [this, id, generation](absl::StatusOr<NodeID> node) {
    auto it = actors_.find(id);
    if (it == actors_.end() || it->second.generation != generation || it->second.data.state() == rpc::DEAD) return;
    Actor& actor = it->second;
    if (!node.ok()) {
      return End(actor, DeathCause(rpc::ActorDeathCause::PLACEMENT_GROUP_REMOVED,
                                   "the actor cannot be placed in its placement group: " +
                                       std::string(node.status().message())));
    }
    const rpc::GcsNodeInfo* info = nodes_.Find(*node);
    if (info == nullptr || info->state() != rpc::GcsNodeInfo::ALIVE) {
      // The bundle's node died: the group places it again elsewhere.
      loop_.RunAfter("Actors.Reschedule", std::chrono::milliseconds(200), [this, id, generation] {
        auto again = actors_.find(id);
        if (again != actors_.end() && again->second.generation == generation &&
            again->second.data.state() != rpc::DEAD) {
          Schedule(again->second);
        }
      });
      return;
    }
    actor.bundle_node = node->Binary();
    RequestLease(id, generation, rpc::RayletAddress(*info), false);
  });
}

namespace {

bool InGroup(const rpc::ActorTableData& data, const PlacementGroupID& group) {
  const rpc::LeaseSchedulingStrategy& strategy = data.creation_spec().strategy();
  return strategy.kind() == rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP &&
         strategy.placement_group_id() == group.Binary();
}

}  // namespace

void ActorManager::OnPlacementGroupRemoved(const PlacementGroupID& group) {
  for (auto& [id, actor] : actors_) {
    if (actor.data.state() == rpc::DEAD || !InGroup(actor.data, group)) continue;
    rpc::ActorDeathCause cause =
        DeathCause(rpc::ActorDeathCause::PLACEMENT_GROUP_REMOVED, "its placement group " + group.Hex() + " was removed");
    if (actor.lease_id == 0) {
      End(actor, std::move(cause));  // no worker yet; its lease request fails with the bundle
      continue;
    }
    actor.kill_requested = true;
    actor.no_restart = true;
    actor.kill_cause = std::move(cause);
    Save(actor);  // with the lease: a restarted GCS finishes the kill
  }
}

void ActorManager::OnPlacementGroupCancelled(const PlacementGroupID& group) {
  for (auto& [id, actor] : actors_) {
    if (actor.data.state() == rpc::DEAD || !actor.kill_requested || !InGroup(actor.data, group)) continue;
    // NotFound there when the raylet already ended it (the usual case).
    ReturnLease(actor.raylet_address, actor.lease_id, true);
    actor.lease_id = 0;
  }
}

void ActorManager::RequestLease(const ActorID& id, uint64_t generation, const std::string& raylet_address,
                                bool spilled_back) {
  const Actor& actor = actors_.at(id);
  rpc::RequestWorkerLeaseRequest request;
  request.set_job_id(actor.data.job_id());
  *request.mutable_resources() = actor.data.creation_spec().resources();
  *request.mutable_strategy() = actor.data.creation_spec().strategy();
  if (!actor.bundle_node.empty()) request.mutable_strategy()->set_node_id(actor.bundle_node);
  request.set_spilled_back(spilled_back);
  *request.mutable_worker_command() = actor.data.worker_command();
  request.set_for_actor(true);
  raylets_.For(raylet_address)
      .RequestWorkerLease(std::move(request), [this, id, generation, raylet_address](
                                                  absl::StatusOr<rpc::RequestWorkerLeaseReply> reply) {
        OnLeaseReply(id, generation, raylet_address, std::move(reply));
      });
}

void ActorManager::OnLeaseReply(const ActorID& id, uint64_t generation, const std::string& raylet_address,
                                absl::StatusOr<rpc::RequestWorkerLeaseReply> reply) {
  auto it = actors_.find(id);
  const bool current =
      it != actors_.end() && it->second.generation == generation && it->second.data.state() != rpc::DEAD;
  if (!current) {
    if (reply.ok() && reply->lease_id() != 0) ReturnLease(raylet_address, reply->lease_id(), false);
    return;
  }
  if (!reply.ok()) {
    PHOTON_LOG(WARNING) << "actor " << id.ShortHex() << ": lease request to " << raylet_address << " failed ("
                        << reply.status().message() << "); trying again";
    loop_.RunAfter("Actors.Reschedule", std::chrono::milliseconds(500), [this, id, generation] {
      auto again = actors_.find(id);
      if (again != actors_.end() && again->second.generation == generation) Schedule(again->second);
    });
    return;
  }
  if (reply->lease_id() == 0) {
    RequestLease(id, generation, reply->spillback_raylet_address(), true);
    return;
  }
  OnLeaseGranted(id, generation, raylet_address, *reply);
}

void ActorManager::OnLeaseGranted(const ActorID& id, uint64_t generation, const std::string& raylet_address,
                                  const rpc::RequestWorkerLeaseReply& reply) {
  Actor& actor = actors_.at(id);
  actor.lease_id = reply.lease_id();
  actor.raylet_address = raylet_address;
  // The raylet names the worker and its own node.
  *actor.data.mutable_address() = reply.worker();
  actor.data.set_owner_port(reply.worker_owner_port());
  Save(actor);  // a restarted GCS must end this worker if creation did not finish
  const std::string worker_address = rpc::HostPort(reply.worker());
  rpc::TaskStream::Connect(loop_, reply.worker(),
                           [this, id, generation, worker_address](absl::StatusOr<std::shared_ptr<rpc::TaskStream>> s) {
                             OnConnected(id, generation, worker_address, std::move(s));
                           });
}

void ActorManager::OnConnected(const ActorID& id, uint64_t generation, const std::string& worker_address,
                               absl::StatusOr<std::shared_ptr<rpc::TaskStream>> stream) {
  auto it = actors_.find(id);
  if (it == actors_.end() || it->second.generation != generation) return;
  if (!stream.ok()) return OnWorkerLost(id, generation, std::string(stream.status().message()));
  Actor& a = it->second;
  if (a.kill_requested) {
    // Killed while connecting: the worker is being ended, no constructor for it.
    (*stream)->Close(absl::CancelledError("the actor was killed"));
    return OnWorkerLost(id, generation, "it was killed before its constructor was sent");
  }
  a.stream = *stream;
  a.stream->Start(
      [this, id, generation, worker_address](rpc::TaskStreamFrame frame) {
        for (const rpc::TaskReply& r : frame.replies()) OnCreated(id, generation, r, worker_address);
      },
      [this, id, generation](const absl::Status& why) { OnWorkerLost(id, generation, std::string(why.message())); });
  rpc::TaskStreamFrame frame;
  frame.set_token(token_);
  frame.set_lease_id(a.lease_id);
  rpc::TaskSpec& spec = *frame.add_push();
  spec = a.data.creation_spec();
  spec.set_attempt(a.data.num_restarts());
  a.stream->Send(frame);
}

void ActorManager::OnCreated(const ActorID& id, uint64_t generation, const rpc::TaskReply& reply,
                             const std::string& worker_address) {
  auto it = actors_.find(id);
  if (it == actors_.end() || it->second.generation != generation) return;
  Actor& actor = it->second;
  if (reply.outcome() != rpc::TaskReply::OK) {
    // A constructor that throws would throw again: no restart.
    const int64_t lease = actor.lease_id;
    actor.generation++;
    actor.stream.reset();
    ReturnLease(actor.raylet_address, lease, true);
    End(actor, DeathCause(rpc::ActorDeathCause::CREATION_FAILED,
                          "the actor's constructor failed: " + reply.error_message()));
    return;
  }
  if (actor.kill_requested) {
    // Killed while being created: end the new worker too.
    ReturnLease(actor.raylet_address, actor.lease_id, true);
    return;
  }
  actor.data.set_state(rpc::ALIVE);
  actor.data.set_start_time_ms(UnixMillis());
  actor.data.set_pid(reply.worker_pid());
  PHOTON_LOG(INFO) << "actor " << id.ShortHex() << " is alive at " << worker_address
                   << (actor.data.num_restarts() > 0 ? absl::StrCat(" (restart ", actor.data.num_restarts(), ")") : "");
  Save(actor);
  Publish(actor);
}

void ActorManager::OnWorkerLost(const ActorID& id, uint64_t generation, const std::string& why) {
  auto it = actors_.find(id);
  if (it == actors_.end() || it->second.generation != generation || it->second.data.state() == rpc::DEAD) return;
  Actor& actor = it->second;
  if (ReleaseLostWorker(actor)) return;
  // Was it the worker or its whole node? Ask the node's raylet.
  const uint64_t now = actor.generation;
  raylets_.For(actor.raylet_address).HealthCheck([this, id, now, why](absl::StatusOr<rpc::HealthCheckReply> reply) {
    OnRayletProbed(id, now, why, reply.ok());
  });
}

bool ActorManager::ReleaseLostWorker(Actor& actor) {
  actor.generation++;  // callbacks of the lost worker are stale from now on
  actor.stream.reset();
  if (actor.lease_id != 0) ReturnLease(actor.raylet_address, actor.lease_id, true);
  actor.lease_id = 0;
  if (!actor.kill_requested) return false;
  rpc::ActorDeathCause cause = actor.kill_cause;
  actor.kill_requested = false;
  if (actor.no_restart) {
    End(actor, std::move(cause));
  } else {
    RestartOrEnd(actor, std::move(cause));
  }
  return true;
}

void ActorManager::OnWorkerDied(const WorkerID& worker, const std::string& how) {
  for (auto& [id, actor] : actors_) {
    // A lost worker's lease is already 0: its loss was seen first another way.
    if (actor.data.state() == rpc::DEAD || actor.lease_id == 0 || actor.data.address().worker_id() != worker.Binary()) {
      continue;
    }
    OnWorkerLost(id, actor.generation, "its raylet saw it exit: it " + how);
    return;
  }
}

void ActorManager::OnNodeDead(const NodeID& node, const std::string& reason) {
  for (auto& [id, actor] : actors_) {
    if (actor.data.state() == rpc::DEAD || actor.lease_id == 0 || actor.data.address().node_id() != node.Binary()) {
      continue;
    }
    if (ReleaseLostWorker(actor)) continue;
    RestartOrEnd(actor, DeathCause(rpc::ActorDeathCause::NODE_DIED, "the node running the actor died: " + reason));
  }
}

void ActorManager::OnRayletProbed(const ActorID& id, uint64_t generation, const std::string& why, bool node_alive) {
  auto a = actors_.find(id);
  if (a == actors_.end() || a->second.generation != generation || a->second.data.state() == rpc::DEAD) return;
  if (node_alive) {
    RestartOrEnd(a->second,
                 DeathCause(rpc::ActorDeathCause::WORKER_DIED, "the actor's worker process died (" + why + ")"));
  } else {
    RestartOrEnd(a->second, DeathCause(rpc::ActorDeathCause::NODE_DIED,
                                       "the node running the actor died (its raylet does not answer)"));
  }
}

void ActorManager::RestartOrEnd(Actor& actor, rpc::ActorDeathCause cause) {
  const int max = actor.data.max_restarts();
  if (max != -1 && actor.data.num_restarts() >= max) return End(actor, std::move(cause));
  actor.data.set_num_restarts(actor.data.num_restarts() + 1);
  actor.data.set_state(rpc::RESTARTING);
  actor.data.clear_address();
  PHOTON_LOG(INFO) << "actor " << ActorID::FromBinary(actor.data.actor_id())->ShortHex() << " restarting ("
                   << actor.data.num_restarts() << (max == -1 ? "" : absl::StrCat(" of ", max)) << "): "
                   << cause.message();
  Save(actor);
  Publish(actor);
  Schedule(actor);
}

void ActorManager::End(Actor& actor, rpc::ActorDeathCause cause) {
  actor.generation++;
  actor.lease_id = 0;  // returned by whoever called this
  actor.kill_requested = false;
  if (actor.data.state() != rpc::DEAD) {
    dead_.push_back(*ActorID::FromBinary(actor.data.actor_id()));
    if (dead_.size() > kMaxDeadActors && !forget_posted_) {
      forget_posted_ = true;
      loop_.Post("Actors.ForgetOldDead", [this] { ForgetOldDead(); });
    }
  }
  actor.data.set_state(rpc::DEAD);
  actor.data.set_end_time_ms(UnixMillis());
  *actor.data.mutable_death_cause() = std::move(cause);
  if (!actor.data.name().empty()) {
    auto key = std::make_pair(actor.data.namespace_(), actor.data.name());
    auto it = named_.find(key);
    if (it != named_.end() && it->second.Binary() == actor.data.actor_id()) named_.erase(it);
  }
  PHOTON_LOG(INFO) << "actor " << ActorID::FromBinary(actor.data.actor_id())->ShortHex()
                   << " is dead: " << actor.data.death_cause().message();
  Save(actor);
  Publish(actor);
}

absl::Status ActorManager::Kill(const ActorID& id, bool no_restart, bool intentional_exit) {
  auto it = actors_.find(id);
  if (it == actors_.end()) return absl::NotFoundError("kill: no actor " + id.Hex());
  Actor& actor = it->second;
  if (actor.data.state() == rpc::DEAD) return absl::OkStatus();
  EndWorker(actor, no_restart,
            intentional_exit ? DeathCause(rpc::ActorDeathCause::INTENTIONAL_EXIT,
                                          "it exited intentionally (photon.actor.exit_actor() was called in it)")
                             : DeathCause(rpc::ActorDeathCause::KILLED, "the actor was killed"));
  return absl::OkStatus();
}

void ActorManager::EndWorker(Actor& actor, bool no_restart, rpc::ActorDeathCause cause) {
  if (actor.lease_id == 0) {
    // No worker (a lease is being asked for): nothing to end but the bookkeeping.
    if (no_restart) End(actor, std::move(cause));
    return;
  }
  actor.kill_requested = true;
  actor.no_restart = no_restart;
  actor.kill_cause = std::move(cause);
  Save(actor);  // with the lease: a restarted GCS finishes the kill
  // Ending the lease as "worker died" makes the raylet kill the process;
  // its stream then closes (or does not connect) and OnWorkerLost finishes
  // the job.
  ReturnLease(actor.raylet_address, actor.lease_id, true);
  actor.lease_id = 0;
}

void ActorManager::OnJobFinished(const JobID& job) {
  for (auto& [id, actor] : actors_) {
    if (actor.data.detached() || actor.data.state() == rpc::DEAD || actor.data.job_id() != job.Binary()) continue;
    EndWorker(actor, /*no_restart=*/true,
              DeathCause(rpc::ActorDeathCause::OWNER_DIED,
                         "the actor's owner (the driver of job " + job.Hex() + ") exited"));
  }
}

void ActorManager::OnOwnerDied(const WorkerID& worker, const std::string& how) {
  for (auto& [id, actor] : actors_) {
    if (actor.data.detached() || actor.data.state() == rpc::DEAD) continue;
    if (actor.data.owner().worker_id() != worker.Binary()) continue;
    absl::StatusOr<NodeID> node = NodeID::FromBinary(actor.data.owner().node_id());
    EndWorker(actor, /*no_restart=*/true,
              DeathCause(rpc::ActorDeathCause::OWNER_DIED,
                         "the actor's owner (worker " + worker.Hex() + " on node " +
                             (node.ok() ? node->Hex() : std::string("?")) + ") died: it " + how));
  }
}

void ActorManager::ReturnLease(const std::string& raylet_address, int64_t lease_id, bool worker_died) {
  if (lease_id == 0 || raylet_address.empty()) return;
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(lease_id);
  request.set_worker_died(worker_died);
  // Not awaited. NotFound: the raylet saw the worker die first.
  raylets_.For(raylet_address).ReturnWorker(std::move(request), nullptr);
}

}  // namespace gcs
}  // namespace photon
