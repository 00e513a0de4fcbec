#include "core/core_worker/actor_submitter.h"

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/rpc/task_frame.h"

namespace photon {
namespace core {

ActorSubmitter::ActorSubmitter(EventLoop& loop, std::string token, Callbacks callbacks)
    : loop_(loop), token_(std::move(token)), callbacks_(std::move(callbacks)) {}

ActorSubmitter::~ActorSubmitter() = default;

void ActorSubmitter::Shutdown() {
  shut_down_ = true;
  for (auto& [id, actor] : actors_) {
    if (actor.stream) actor.stream->Close(absl::CancelledError("shutting down"));
  }
  actors_.clear();
}

void ActorSubmitter::Submit(std::shared_ptr<rpc::TaskSpec> spec) {
  if (shut_down_) return;
  const ActorID id = *ActorID::FromBinary(spec->actor_id());
  Actor& actor = actors_[id];
  actor.id = id;
  actor.queued.push_back(Call{std::move(spec)});
  Pump(actor);
}

bool ActorSubmitter::Cancel(const ActorID& id, const TaskID& task) {
  auto it = actors_.find(id);
  if (it == actors_.end()) return false;
  Actor& actor = it->second;
  const std::string task_id = task.Binary();
  for (auto q = actor.queued.begin(); q != actor.queued.end(); ++q) {
    if (q->spec->task_id() != task_id) continue;
    std::shared_ptr<rpc::TaskSpec> spec = std::move(q->spec);
    actor.queued.erase(q);
    callbacks_.on_failure(*spec, ErrorKind::kTaskCancelled,
                          absl::StrCat("actor call ", spec->function_name(), " (task ", task.Hex(),
                                       ") was cancelled before it was sent"));
    return true;
  }
  if (!actor.seq_of.contains(task_id)) return false;
  if (actor.stream) {
    rpc::TaskStreamFrame frame;
    frame.add_cancel(task_id);
    actor.stream->Send(frame);
  }
  return true;
}

std::string ActorSubmitter::ServiceOf(const ActorID& id, const TaskID& task) const {
  auto it = actors_.find(id);
  if (it == actors_.end()) return "";
  const Actor& actor = it->second;
  if (actor.state != rpc::ALIVE || actor.owner_port <= 0 || !actor.seq_of.contains(task.Binary())) return "";
  return absl::StrCat(actor.address.ip(), ":", actor.owner_port);
}

void ActorSubmitter::OnActorUpdate(const rpc::ActorTableData& data) {
  if (shut_down_) return;
  absl::StatusOr<ActorID> id = ActorID::FromBinary(data.actor_id());
  if (!id.ok()) return;
  Actor& actor = actors_[*id];
  actor.id = *id;
  if (actor.state == rpc::DEAD) return;  // final
  actor.max_task_retries = data.max_task_retries();
  if (data.state() == rpc::ALIVE && data.address().worker_id() == actor.lost_worker_id) return;  // stale
  actor.state = data.state();
  if (data.state() != rpc::DEAD && data.state() != rpc::ALIVE && !actor.lost.empty()) {
    FailLost(actor, "it was restarted");
  }
  if (data.state() == rpc::DEAD) {
    actor.death = data.death_cause().message();
    if (data.death_cause().kind() == rpc::ActorDeathCause::PLACEMENT_GROUP_REMOVED) {
      actor.death_kind = ErrorKind::kActorPlacementGroupRemoved;
    }
    actor.worker_id.clear();  // the stream's close below is then not a loss to handle
    if (actor.stream) actor.stream->Close(absl::CancelledError("actor is dead"));
    actor.stream.reset();
    FailAll(actor, actor.death);
    return;
  }
  if (data.state() == rpc::ALIVE && data.address().worker_id() != actor.worker_id) {
    // A new incarnation: what was in flight on the old one is lost (sent
    // again or failed), and calls go to the new one from now on.
    if (!actor.worker_id.empty()) {
      std::shared_ptr<rpc::TaskStream> old = actor.stream;
      OnStreamLost(*id, actor.worker_id, "the actor restarted");
      if (old) old->Close(absl::CancelledError("actor restarted"));
    }
    if (!actor.lost.empty()) FailLost(actor, "it was restarted");
    actor.state = data.state();
    actor.stream.reset();
    actor.connecting = false;
    actor.worker_id = data.address().worker_id();
    actor.address = data.address();
    actor.owner_port = data.owner_port();
    actor.node = NodeID::FromBinary(data.address().node_id()).value_or(NodeID::Nil());
  }
  Pump(actor);
}

void ActorSubmitter::Pump(Actor& actor) {
  if (actor.state == rpc::DEAD) return FailAll(actor, actor.death);
  if (actor.state != rpc::ALIVE || actor.queued.empty()) return;
  if (!actor.stream) return Connect(actor);
  std::string frame;
  while (!actor.queued.empty()) {
    Call call = std::move(actor.queued.front());
    actor.queued.pop_front();
    rpc::AppendPush(*call.spec, &frame);
    const uint64_t seq = actor.next_seq++;
    actor.seq_of[call.spec->task_id()] = seq;
    actor.in_flight.emplace(seq, std::move(call));
  }
  actor.stream->SendEncoded(frame);
}

void ActorSubmitter::Connect(Actor& actor) {
  if (actor.connecting) return;
  actor.connecting = true;
  const ActorID id = actor.id;
  const std::string worker_id = actor.worker_id;
  rpc::TaskStream::Connect(loop_, actor.address, [this, id, worker_id](
                                                     absl::StatusOr<std::shared_ptr<rpc::TaskStream>> s) {
    auto it = actors_.find(id);
    if (shut_down_ || it == actors_.end() || it->second.worker_id != worker_id) return;
    Actor& a = it->second;
    a.connecting = false;
    if (!s.ok()) return OnStreamLost(id, worker_id, std::string(s.status().message()));
    a.stream = *s;
    a.stream->Start([this, id](rpc::TaskStreamFrame frame) { OnFrame(id, frame); },
                    [this, id, worker_id](const absl::Status& why) {
                      OnStreamLost(id, worker_id, std::string(why.message()));
                    });
    rpc::TaskStreamFrame hello;
    hello.set_token(token_);
    a.stream->Send(hello);
    Pump(a);
  });
}

void ActorSubmitter::OnFrame(const ActorID& id, const rpc::TaskStreamFrame& frame) {
  auto it = actors_.find(id);
  if (it == actors_.end()) return;
  Actor& actor = it->second;
  for (const rpc::TaskReply& reply : frame.replies()) {
    auto s = actor.seq_of.find(reply.task_id());
    if (s == actor.seq_of.end()) continue;
    auto call = actor.in_flight.find(s->second);
    actor.seq_of.erase(s);
    if (call == actor.in_flight.end()) continue;
    std::shared_ptr<rpc::TaskSpec> spec = std::move(call->second.spec);
    actor.in_flight.erase(call);
    callbacks_.on_reply(*spec, reply, actor.node, WorkerID::FromBinary(actor.worker_id).value_or(WorkerID::Nil()));
  }
}

void ActorSubmitter::OnStreamLost(const ActorID& id, const std::string& worker_id, const std::string& why) {
  auto it = actors_.find(id);
  if (shut_down_ || it == actors_.end() || it->second.worker_id != worker_id) return;
  Actor& actor = it->second;
  actor.stream.reset();
  actor.connecting = false;
  actor.lost_worker_id = worker_id;
  actor.worker_id.clear();
  if (actor.state == rpc::ALIVE) actor.state = rpc::RESTARTING;  // until the GCS says more
  // Calls in flight: again (before the queued ones, in order) or failed.
  std::deque<Call> again;
  for (auto& [seq, call] : actor.in_flight) {
    actor.seq_of.erase(call.spec->task_id());
    if (actor.max_task_retries != -1 && call.spec->attempt() >= actor.max_task_retries) {
      actor.lost.push_back(std::move(call));
      continue;
    }
    call.spec->set_attempt(call.spec->attempt() + 1);
    again.push_back(std::move(call));
  }
  actor.in_flight.clear();
  for (auto q = again.rbegin(); q != again.rend(); ++q) actor.queued.push_front(std::move(*q));
  if (!actor.lost.empty()) {
    actor.lost_why = why;
    // Without news from the GCS (down?), fail them anyway.
    loop_.RunAfter("ActorSubmitter.LostTimeout", std::chrono::seconds(10), [this, id] {
      auto a = actors_.find(id);
      if (!shut_down_ && a != actors_.end()) FailLost(a->second, "the GCS did not say more within 10 s");
    });
  }
  Pump(actor);
}

void ActorSubmitter::FailLost(Actor& actor, const std::string& why) {
  std::deque<Call> lost;
  lost.swap(actor.lost);
  for (Call& call : lost) {
    callbacks_.on_failure(*call.spec, ErrorKind::kActorDied,
                          absl::StrCat("the actor ", actor.id.Hex(), " died while running this call (",
                                       actor.lost_why, "; ", why, "); max_task_retries (", actor.max_task_retries,
                                       ") did not allow sending it again"));
  }
}

void ActorSubmitter::FailAll(Actor& actor, const std::string& why) {
  const std::string message = absl::StrCat("the actor ", actor.id.Hex(), " is dead: ", why);
  std::deque<Call> calls;
  calls.swap(actor.lost);
  for (Call& call : actor.queued) calls.push_back(std::move(call));
  actor.queued.clear();
  for (auto& [seq, call] : actor.in_flight) calls.push_back(std::move(call));
  actor.in_flight.clear();
  actor.seq_of.clear();
  for (Call& call : calls) callbacks_.on_failure(*call.spec, actor.death_kind, message);
}

}  // namespace core
}  // namespace photon
