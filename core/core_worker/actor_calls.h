#pragma once
// ActorCalls: creating actors, calling their methods, finding them by name
// and killing them (DESIGN.md, Tasks: actors).
//
// Creation registers the actor with the GCS, which schedules it and runs its
// constructor; calls go straight from this process to the actor's worker
// (ActorSubmitter, through the TaskManager), which learns where the actor is
// from the GCS ACTOR channel, followed from the first actor this process meets.
//
//   ASSIGN_OR_RETURN(ActorID a, actors.Create("Counter", args, options));
//   ASSIGN_OR_RETURN(std::vector<ObjectID> r, actors.Call(a, "add", {TaskArg::ByValue(one)}, 1));
//   RETURN_IF_ERROR(actors.Kill(a, /*no_restart=*/true));
//
// Thread-safe (user threads; Create, Kill, GetNamed and Info wait for the GCS).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/core_worker/placement_group_calls.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/task_arg.h"
#include "core/core_worker/task_manager.h"
#include "core/core_worker/task_options.h"
#include "core/core_worker/worker_identity.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/gcs_subscriber.h"

namespace photon {
namespace core {

class ActorCalls {
 public:
  struct Deps {
    const WorkerIdentity& self;
    EventLoop& loop;
    gcs::GcsClient& gcs;
    ReferenceCounter& refs;
    TaskManager& tasks;
    PlacementGroupCalls& placement_groups;
    const std::atomic<bool>& shut_down;
  };

  explicit ActorCalls(Deps deps) : deps_(deps) {}
  ~ActorCalls();

  // Registers the actor; the GCS creates it by running `factory`.
  // AlreadyExists when its name is taken (unless options.get_if_exists).
  absl::StatusOr<ActorID> Create(const std::string& factory, std::vector<TaskArg> args, const ActorOptions& options);
  // Calls `method` on the actor; the references are to its `num_returns` results.
  absl::StatusOr<std::vector<ObjectID>> Call(const ActorID& actor, const std::string& method,
                                             std::vector<TaskArg> args, int num_returns = 1);
  // Ends the actor now; without `no_restart` it restarts if it may.
  // `intentional_exit`: the actor ends itself (exit_actor).
  absl::Status Kill(const ActorID& actor, bool no_restart, bool intentional_exit = false);
  // `ns` empty: this job's namespace. NotFound when no live actor has the name.
  absl::StatusOr<ActorID> GetNamed(const std::string& name, const std::string& ns);
  // The GCS's record of the actor.
  absl::StatusOr<rpc::ActorTableData> Info(const ActorID& actor);
  // Stops following the ACTOR channel.
  void Stop();

 private:
  // Follows the GCS ACTOR channel (once, from the first actor this process meets).
  void FollowActors();
  // The actor's table entry with its constructor call, for registration.
  absl::StatusOr<rpc::ActorTableData> Describe(const ActorID& id, const std::string& factory,
                                               std::vector<TaskArg> args, const ActorOptions& options);

  const Deps deps_;
  absl::once_flag follow_once_;
  std::unique_ptr<gcs::GcsSubscriber> subscriber_;
};

}  // namespace core
}  // namespace photon
