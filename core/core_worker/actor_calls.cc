#include "core/core_worker/actor_calls.h"

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/core_worker/current_task.h"
#include "core/core_worker/errors.h"

namespace photon {
namespace core {

ActorCalls::~ActorCalls() { Stop(); }

void ActorCalls::Stop() {
  if (subscriber_) subscriber_->Stop();
}

void ActorCalls::FollowActors() {
  absl::call_once(follow_once_, [this] {
    gcs::GcsSubscriber::Callbacks callbacks;
    auto apply = [this](const rpc::PubMessage& m) {
      if (!m.has_actor()) return;
      deps_.loop.Post("CoreWorker.ActorUpdate", [this, actor = m.actor()] { deps_.tasks.OnActorUpdate(actor); });
    };
    callbacks.on_snapshot = [apply](const std::vector<rpc::PubMessage>& all) {
      for (const rpc::PubMessage& m : all) apply(m);
    };
    callbacks.on_message = apply;
    subscriber_ = std::make_unique<gcs::GcsSubscriber>(deps_.gcs, std::vector<rpc::Channel>{rpc::ACTOR}, callbacks);
    subscriber_->Start();
  });
}

absl::StatusOr<ActorID> ActorCalls::Create(const std::string& factory, std::vector<TaskArg> args,
                                           const ActorOptions& options) {
  if (deps_.shut_down) return ShutDownError();
  RETURN_IF_ERROR(options.Validate("actor", factory));
  FollowActors();
  const bool get_if_exists = options.get_if_exists && !options.name.empty();
  if (get_if_exists) {
    absl::StatusOr<ActorID> existing = GetNamed(options.name, options.namespace_name);
    if (existing.ok() || existing.status().code() != absl::StatusCode::kNotFound) return existing;
  }
  const ActorID actor_id = ActorID::Of(deps_.self.job);
  ASSIGN_OR_RETURN(rpc::ActorTableData data, Describe(actor_id, factory, std::move(args), options));
  absl::Status registered = deps_.gcs.RegisterActor(data);
  if (registered.code() == absl::StatusCode::kAlreadyExists && get_if_exists) {
    return GetNamed(options.name, options.namespace_name);  // another creator was first
  }
  RETURN_IF_ERROR(registered);
  return actor_id;
}

absl::StatusOr<rpc::ActorTableData> ActorCalls::Describe(const ActorID& actor_id, const std::string& factory,
                                                         std::vector<TaskArg> args, const ActorOptions& options) {
  const WorkerIdentity& self = deps_.self;
  rpc::ActorTableData data;
  data.set_actor_id(actor_id.Binary());
  data.set_job_id(self.job.Binary());
  data.set_name(options.name);
  data.set_namespace_(options.namespace_name.empty() ? self.namespace_name : options.namespace_name);
  data.set_detached(options.detached);
  data.set_max_restarts(options.max_restarts);
  data.set_max_task_retries(options.max_task_retries);
  *data.mutable_owner() = self.address;
  data.set_class_name(options.class_name.empty() ? factory : options.class_name);
  for (const std::string& arg : self.worker_command) data.add_worker_command(arg);
  rpc::TaskSpec& spec = *data.mutable_creation_spec();
  spec.set_task_id(TaskID::Of(actor_id).Binary());
  spec.set_job_id(self.job.Binary());
  spec.set_function_name(factory);
  spec.set_num_returns(1);
  *spec.mutable_caller() = self.address;
  AddResources(options.resources, spec.mutable_resources());
  *spec.mutable_strategy() = options.strategy;
  RETURN_IF_ERROR(deps_.placement_groups.AwaitCreated(spec.strategy()));
  spec.set_actor_id(actor_id.Binary());
  spec.set_actor_creation(true);
  spec.set_max_concurrency(options.max_concurrency);
  spec.set_depth(NextDepth());
  spec.set_parent_task_id(ParentTaskId());
  // The arguments' objects stay referenced: a restart runs the constructor
  // with them again.
  std::vector<ObjectID> arg_refs;
  RETURN_IF_ERROR(AddArgs(deps_.refs, std::move(args), &spec, &arg_refs));
  return data;
}

absl::StatusOr<std::vector<ObjectID>> ActorCalls::Call(const ActorID& actor, const std::string& method,
                                                       std::vector<TaskArg> args, int num_returns) {
  if (deps_.shut_down) return ShutDownError();
  FollowActors();
  if (num_returns < 0) {
    return absl::InvalidArgumentError(absl::StrCat("actor method ", method, ": num_returns is ", num_returns));
  }
  auto spec = std::make_shared<rpc::TaskSpec>();
  spec->set_task_id(TaskID::Of(actor).Binary());
  spec->set_job_id(deps_.self.job.Binary());
  spec->set_function_name(method);
  spec->set_num_returns(num_returns);
  *spec->mutable_caller() = deps_.self.address;
  spec->set_actor_id(actor.Binary());
  spec->set_max_retries(0);  // the actor submitter retries (max_task_retries)
  spec->set_depth(NextDepth());
  spec->set_parent_task_id(ParentTaskId());
  return deps_.tasks.Submit(std::move(spec), std::move(args));
}

absl::Status ActorCalls::Kill(const ActorID& actor, bool no_restart, bool intentional_exit) {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.KillActor(actor, no_restart, intentional_exit);
}

absl::StatusOr<ActorID> ActorCalls::GetNamed(const std::string& name, const std::string& ns) {
  if (deps_.shut_down) return ShutDownError();
  ASSIGN_OR_RETURN(rpc::ActorTableData data,
                   deps_.gcs.GetNamedActor(name, ns.empty() ? deps_.self.namespace_name : ns));
  FollowActors();
  return ActorID::FromBinary(data.actor_id());
}

absl::StatusOr<rpc::ActorTableData> ActorCalls::Info(const ActorID& actor) {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.GetActorInfo(actor);
}

}  // namespace core
}  // namespace photon
