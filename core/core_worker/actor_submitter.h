#pragma once
// ActorSubmitter: calls to actors, sent straight from caller to actor.
//
// Each actor this process calls gets one task stream to its worker; calls
// are sent on it in the order they were submitted, so they run in that
// order (for an actor with max_concurrency 1). The actor's address and
// state come from the GCS (OnActorUpdate, fed by the ACTOR channel):
//   - ALIVE: calls are sent (queued ones first, in order);
//   - PENDING_CREATION / RESTARTING: calls wait;
//   - the stream breaks (the worker died): calls that were in flight are
//     sent again to the restarted actor while their max_task_retries
//     last (-1: always), else they fail with kActorDied once the GCS tells
//     why (so the error names the cause: killed, crashed, node died);
//   - DEAD: every waiting call fails with kActorDied and the cause.
//
//   ActorSubmitter actors(loop, token, callbacks);
//   actors.OnActorUpdate(data);      // from the GCS
//   actors.Submit(spec);             // spec.actor_id() set
//
// Runs only on the loop.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "core/common/event_loop.h"
#include "core/common/id.h"
#include "core/core_worker/errors.h"
#include "core/rpc/task_stream.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace core {

class ActorSubmitter {
 public:
  struct Callbacks {
    std::function<void(const rpc::TaskSpec&, const rpc::TaskReply&, const NodeID&, const WorkerID&)> on_reply;
    std::function<void(const rpc::TaskSpec&, ErrorKind, const std::string&)> on_failure;
  };

  ActorSubmitter(EventLoop& loop, std::string token, Callbacks callbacks);
  ~ActorSubmitter();

  void OnActorUpdate(const rpc::ActorTableData& data);
  void Submit(std::shared_ptr<rpc::TaskSpec> spec);
  // Cancels the call `task` of `actor`: one not sent yet fails now with
  // kTaskCancelled; a sent one is cancelled by the actor (its reply says
  // whether it was). False when the call is not pending here.
  bool Cancel(const ActorID& actor, const TaskID& task);
  // The CoreWorkerService ("HOST:PORT") of the worker that was sent the call
  // `task` of `actor`; "" when it was not sent (or the actor is not ALIVE).
  std::string ServiceOf(const ActorID& actor, const TaskID& task) const;
  // Drops streams and forgets calls (the process is going away).
  void Shutdown();
  // True once an update for `actor` arrived.
  bool Knows(const ActorID& actor) const { return actors_.contains(actor); }

 private:
  struct Call {
    std::shared_ptr<rpc::TaskSpec> spec;
  };
  struct Actor {
    ActorID id;
    rpc::ActorState state = rpc::ACTOR_STATE_UNSPECIFIED;
    std::string worker_id;  // of the incarnation we talk to
    std::string lost_worker_id;  // whose stream broke (its ALIVE news is stale)
    rpc::Address address;   // of the incarnation's worker
    int owner_port = 0;     // of its CoreWorkerService
    NodeID node;
    std::shared_ptr<rpc::TaskStream> stream;
    bool connecting = false;
    std::deque<Call> queued;          // not sent to the current incarnation
    std::map<uint64_t, Call> in_flight;  // sent, by sequence
    // Were in flight when the worker died, with no retry left: they fail
    // once the GCS says why (dead: its cause; restarted), or after a while.
    std::deque<Call> lost;
    std::string lost_why;
    absl::flat_hash_map<std::string, uint64_t> seq_of;  // task id -> sequence
    uint64_t next_seq = 0;
    int max_task_retries = 0;  // -1: unlimited
    std::string death;
    // How calls to it fail once it is DEAD.
    ErrorKind death_kind = ErrorKind::kActorDied;
  };

  void Pump(Actor& actor);
  void Connect(Actor& actor);
  void OnFrame(const ActorID& id, const rpc::TaskStreamFrame& frame);
  void OnStreamLost(const ActorID& id, const std::string& worker_id, const std::string& why);
  void FailAll(Actor& actor, const std::string& why);
  void FailLost(Actor& actor, const std::string& why);

  EventLoop& loop_;
  const std::string token_;
  const Callbacks callbacks_;
  absl::flat_hash_map<ActorID, Actor> actors_;
  bool shut_down_ = false;
};

}  // namespace core
}  // namespace photon
