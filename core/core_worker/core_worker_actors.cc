// CoreWorker: creating, calling, finding and killing actors.
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"
#include "core/core_worker/actor_submitter.h"
#include "core/core_worker/core_worker.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/gcs_subscriber.h"

namespace photon {
namespace core {

void CoreWorker::FollowActors() {
  absl::call_once(follow_actors_once_, [this] {
    gcs::GcsSubscriber::Callbacks callbacks;
    auto apply = [this](const rpc::PubMessage& m) {
      if (!m.has_actor()) return;
      loop_.Post("CoreWorker.ActorUpdate", [this, actor = m.actor()] { actor_submitter_->OnActorUpdate(actor); });
    };
    callbacks.on_snapshot = [apply](const std::vector<rpc::PubMessage>& all) {
      for (const rpc::PubMessage& m : all) apply(m);
    };
    callbacks.on_message = apply;
    actor_subscriber_ = std::make_unique<gcs::GcsSubscriber>(*gcs_, std::vector<rpc::Channel>{rpc::ACTOR}, callbacks);
    actor_subscriber_->Start();
  });
}

absl::StatusOr<ActorID> CoreWorker::CreateActor(const std::string& factory, std::vector<TaskArg> args,
                                                const ActorOptions& options) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  for (const auto& [name, amount] : options.resources) {
    if (name.empty() || !(amount >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat("actor ", factory, ": bad resource '", name, "': ", amount));
    }
  }
  if (options.max_concurrency < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("actor ", factory, ": max_concurrency must be at least 1, not ", options.max_concurrency));
  }
  FollowActors();
  if (options.get_if_exists && !options.name.empty()) {
    absl::StatusOr<ActorID> existing = GetNamedActor(options.name, options.namespace_name);
    if (existing.ok() || existing.status().code() != absl::StatusCode::kNotFound) return existing;
  }
  const ActorID actor_id = ActorID::Of(job_);
  rpc::ActorTableData data;
  data.set_actor_id(actor_id.Binary());
  data.set_job_id(job_.Binary());
  data.set_name(options.name);
  data.set_namespace_(options.namespace_name.empty() ? options_.namespace_name : options.namespace_name);
  data.set_detached(options.detached);
  data.set_max_restarts(options.max_restarts);
  data.set_max_task_retries(options.max_task_retries);
  *data.mutable_owner() = address_;
  data.set_class_name(options.class_name.empty() ? factory : options.class_name);
  for (const std::string& arg : options_.worker_command) data.add_worker_command(arg);
  rpc::TaskSpec& spec = *data.mutable_creation_spec();
  spec.set_task_id(TaskID::Of(actor_id).Binary());
  spec.set_job_id(job_.Binary());
  spec.set_function_name(factory);
  spec.set_num_returns(1);
  *spec.mutable_caller() = address_;
  for (const auto& [name, amount] : options.resources) {
    if (amount > 0) (*spec.mutable_resources()->mutable_amounts())[name] = amount;
  }
  *spec.mutable_strategy() = options.strategy;
  RETURN_IF_ERROR(ResolveBundleNode(spec.mutable_strategy()));
  spec.set_actor_id(actor_id.Binary());
  spec.set_actor_creation(true);
  spec.set_max_concurrency(options.max_concurrency);
  // The arguments' objects stay referenced: a restart runs the constructor
  // with them again.
  std::vector<ObjectID> arg_refs;
  RETURN_IF_ERROR(FillArgs(spec, std::move(args), &arg_refs));
  absl::Status registered = gcs_->RegisterActor(data);
  if (registered.code() == absl::StatusCode::kAlreadyExists && options.get_if_exists && !options.name.empty()) {
    return GetNamedActor(options.name, options.namespace_name);  // another creator was first
  }
  RETURN_IF_ERROR(registered);
  return actor_id;
}

absl::StatusOr<std::vector<ObjectID>> CoreWorker::SubmitActorTask(const ActorID& actor, const std::string& method,
                                                                  std::vector<TaskArg> args, int num_returns) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  FollowActors();
  auto task = std::make_shared<PendingTask>();
  task->spec = std::make_shared<rpc::TaskSpec>();
  rpc::TaskSpec& spec = *task->spec;
  const TaskID task_id = TaskID::Of(actor);
  spec.set_task_id(task_id.Binary());
  spec.set_job_id(job_.Binary());
  spec.set_function_name(method);
  if (num_returns < 0) return absl::InvalidArgumentError(absl::StrCat("actor method ", method, ": num_returns is ", num_returns));
  spec.set_num_returns(num_returns);
  *spec.mutable_caller() = address_;
  spec.set_actor_id(actor.Binary());
  spec.set_max_retries(0);  // the actor submitter retries (max_task_retries)
  return Enqueue(std::move(task), task_id, std::move(args));
}

absl::Status CoreWorker::KillActor(const ActorID& actor, bool no_restart) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  return gcs_->KillActor(actor, no_restart);
}

absl::StatusOr<ActorID> CoreWorker::GetNamedActor(const std::string& name, const std::string& ns) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  ASSIGN_OR_RETURN(rpc::ActorTableData data, gcs_->GetNamedActor(name, ns.empty() ? options_.namespace_name : ns));
  FollowActors();
  return ActorID::FromBinary(data.actor_id());
}

}  // namespace core
}  // namespace photon
