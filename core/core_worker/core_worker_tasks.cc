// CoreWorker: submitting tasks and handling their outcomes.
#include "core/core_worker/core_worker.h"

#include <unistd.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"
#include "core/core_worker/actor_submitter.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/owner_service.h"
#include "core/core_worker/task_event_buffer.h"
#include "core/core_worker/task_receiver.h"
#include "core/core_worker/task_submitter.h"
#include "core/rpc/client_call.h"
#include "core/rpc/grpc_server.h"
#include "core/rpc/status_util.h"
#include "gcs/client/gcs_client.h"
#include "object_store/object_store_client.h"

namespace photon {
namespace core {
namespace {

std::string Short(const std::string& hex) { return hex.substr(0, 12); }

}  // namespace

// ---------------------------------------------------------------- tasks

absl::StatusOr<std::vector<ObjectID>> CoreWorker::SubmitTask(const std::string& function, std::vector<TaskArg> args,
                                                             const TaskOptions& options) {
  if (options.num_returns < 0) {
    return absl::InvalidArgumentError(absl::StrCat("task ", function, ": num_returns is ", options.num_returns));
  }
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  for (const auto& [name, amount] : options.resources) {
    if (name.empty() || !(amount >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat("task ", function, ": bad resource '", name, "': ", amount));
    }
  }
  auto task = std::make_shared<PendingTask>();
  task->spec = std::make_shared<rpc::TaskSpec>();
  rpc::TaskSpec& spec = *task->spec;
  const TaskID task_id = TaskID::Of(nil_actor_);
  spec.set_task_id(task_id.Binary());
  spec.set_job_id(job_.Binary());
  spec.set_function_name(function);
  spec.set_num_returns(options.num_returns);
  spec.set_retry_exceptions(options.retry_exceptions);
  *spec.mutable_caller() = address_;
  for (const auto& [name, amount] : options.resources) {
    if (amount > 0) (*spec.mutable_resources()->mutable_amounts())[name] = amount;
  }
  *spec.mutable_strategy() = options.strategy;
  RETURN_IF_ERROR(ResolveBundleNode(spec.mutable_strategy()));
  spec.set_max_retries(options.max_retries);
  return Enqueue(std::move(task), task_id, std::move(args));
}

absl::Status CoreWorker::FillArgs(rpc::TaskSpec& spec, std::vector<TaskArg> args, std::vector<ObjectID>* refs) {
  const std::string& function = spec.function_name();
  for (TaskArg& a : args) {
    rpc::TaskArg* arg = spec.add_args();
    if (a.is_ref) {
      std::optional<rpc::Address> owner = refs_->OwnerOf(a.ref);
      if (!owner) return absl::NotFoundError(absl::StrCat("task ", function, ": argument object ", a.ref.Hex(),
                                                          " is not known to this process"));
      arg->set_is_ref(true);
      arg->mutable_ref()->set_object_id(a.ref.Binary());
      *arg->mutable_ref()->mutable_owner() = *owner;
      refs->push_back(a.ref);
    } else {
      arg->set_value(std::move(a.value));
      for (const ObjectID& nested : a.nested_refs) {
        std::optional<rpc::Address> owner = refs_->OwnerOf(nested);
        if (!owner) continue;
        rpc::ObjectRefInfo* info = arg->add_nested_refs();
        info->set_object_id(nested.Binary());
        *info->mutable_owner() = *owner;
        refs->push_back(nested);
      }
    }
  }
  return refs_->AddSubmittedTaskReferences(*refs);
}

absl::StatusOr<std::vector<ObjectID>> CoreWorker::Enqueue(std::shared_ptr<PendingTask> task, const TaskID& task_id,
                                                          std::vector<TaskArg> args) {
  rpc::TaskSpec& spec = *task->spec;
  RETURN_IF_ERROR(FillArgs(spec, std::move(args), &task->arg_refs));
  for (int i = 1; i <= spec.num_returns(); i++) {
    const ObjectID id = ObjectID::FromIndex(task_id, i);
    task->return_ids.push_back(id);
    RETURN_IF_ERROR(refs_->AddOwnedObject(id, -1, task_id));
    RETURN_IF_ERROR(refs_->AddLocalReference(id));
  }
  {
    absl::MutexLock lock(&mu_);
    for (const ObjectID& id : task->return_ids) return_to_task_[id] = task_id;
  }
  RecordEvent(spec, rpc::SUBMITTED, NodeID::Nil(), WorkerID::Nil(), "", spec.function_name());
  std::vector<ObjectID> return_ids = task->return_ids;
  // Tasks submitted while the loop is busy go over in one handler.
  bool first;
  {
    absl::MutexLock lock(&submit_mu_);
    first = to_submit_.empty();
    to_submit_.push_back(std::move(task));
  }
  if (first) loop_.Post("CoreWorker.Submit", [this] { DrainSubmissions(); });
  return return_ids;
}

void CoreWorker::DrainSubmissions() {
  std::vector<std::shared_ptr<PendingTask>> tasks;
  {
    absl::MutexLock lock(&submit_mu_);
    tasks.swap(to_submit_);
  }
  for (std::shared_ptr<PendingTask>& task : tasks) {
    pending_[task->spec->task_id()] = task;
    ResolveAndSubmit(std::move(task));
  }
}

void CoreWorker::ResolveAndSubmit(std::shared_ptr<PendingTask> task) {
  // Arguments passed by reference: wait until each is ready, inline small
  // values, and send the locations of large ones.
  for (int i = 0; i < task->spec->args_size(); i++) {
    rpc::TaskArg* arg = task->spec->mutable_args(i);
    if (!arg->is_ref()) continue;
    const ObjectID id = *ObjectID::FromBinary(arg->ref().object_id());
    if (!refs_->IsOwned(id)) continue;  // the worker asks its owner
    std::shared_ptr<const StoredObject> value = memory_store_.GetIfPresent(id);
    if (value == nullptr) {
      memory_store_.GetAsync(id, [this, task](std::shared_ptr<const StoredObject>) {
        loop_.Post("CoreWorker.ArgReady", [this, task] { ResolveAndSubmit(task); });
      });
      return;
    }
    const ErrorKind kind = ErrorKindOfObject(*value);
    if (kind != ErrorKind::kNone) {
      // A failed argument fails the task the same way.
      OnTaskFailure(*task->spec, kind, absl::StrCat("argument ", i, " (object ", id.Hex(), ") failed: ", value->data),
                    ErrorValueOfObject(*value));
      return;
    }
    if (!value->in_object_store) {
      arg->set_is_ref(false);
      arg->set_value(std::string(value->bytes()));
      arg->clear_ref();
      continue;
    }
    arg->clear_locations();
    for (const NodeID& node : refs_->Locations(id)) {
      rpc::ObjectLocation* loc = arg->add_locations();
      loc->set_node_id(node.Binary());
      loc->set_object_manager_address(nodes_->ObjectManagerAddress(node));
    }
  }
  if (!task->spec->actor_id().empty() && !task->spec->actor_creation()) {
    actor_submitter_->Submit(task->spec);
  } else {
    submitter_->Submit(task->spec);
  }
}

void CoreWorker::RecordEvent(const rpc::TaskSpec& spec, rpc::TaskState state, const NodeID& node,
                             const WorkerID& worker, const std::string& error, const std::string& function) {
  if (!events_) return;
  absl::StatusOr<TaskID> id = TaskID::FromBinary(spec.task_id());
  if (id.ok()) events_->Record(*id, spec.attempt(), state, node, worker, function, error);
}

void CoreWorker::OnTaskReply(const rpc::TaskSpec& spec, const rpc::TaskReply& reply, const NodeID& node,
                             const WorkerID& worker) {
  auto it = pending_.find(spec.task_id());
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  if (reply.outcome() == rpc::TaskReply::SYSTEM_ERROR) {
    return OnTaskFailure(spec, ErrorKind::kObjectLost, reply.error_message());
  }
  // Borrowers first, so dropping the submitted-task references below cannot free them.
  for (const std::string& b : reply.borrowed_object_ids()) {
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(b);
    if (id.ok() && refs_->IsOwned(*id)) (void)refs_->AddBorrower(*id, reply.borrower());
  }
  bool in_store = false;
  if (reply.outcome() == rpc::TaskReply::OK) {
    for (const rpc::ReturnObject& r : reply.returns()) {
      absl::StatusOr<ObjectID> id = ObjectID::FromBinary(r.object_id());
      if (!id.ok()) continue;
      if (!refs_->Has(*id)) {
        // Nobody holds the result any more: keep nothing, free the copy.
        absl::StatusOr<NodeID> at = NodeID::FromBinary(r.node_id());
        if (r.in_object_store() && at.ok()) {
          Reference gone;
          gone.owned = true;
          gone.locations.insert(*at);
          FreeOnLoop(*id, gone);
        }
        continue;
      }
      if (r.in_object_store()) {
        in_store = true;
        absl::StatusOr<NodeID> at = NodeID::FromBinary(r.node_id());
        if (refs_->IsOwned(*id) && at.ok()) (void)refs_->AddLocation(*id, *at);
        (void)memory_store_.Put(*id, StoredObject{"", "", true});
      } else {
        (void)memory_store_.Put(*id, StoredObject{r.data(), "", false});
      }
    }
    RecordEvent(spec, rpc::FINISHED, node, worker);
  } else {
    const int max_retries = spec.max_retries();
    if (spec.retry_exceptions() && !shut_down_ && (max_retries < 0 || spec.attempt() < max_retries)) {
      RecordEvent(spec, rpc::FAILED, node, worker, reply.error_message());
      PHOTON_LOG(INFO) << "task " << spec.function_name() << " attempt " << spec.attempt()
                       << " raised; retrying (retry_exceptions)";
      if (task->spec.get() != &spec) *task->spec = spec;
      task->spec->set_attempt(task->spec->attempt() + 1);
      ResolveAndSubmit(task);
      return;
    }
    // (A result nobody holds any more is not kept.)
    for (const ObjectID& id : task->return_ids) {
      if (!refs_->Has(id)) continue;
      (void)memory_store_.Put(id, ErrorObject(ErrorKind::kTaskError, reply.error_message(), reply.error_payload()));
    }
    RecordEvent(spec, rpc::FAILED, node, worker, reply.error_message());
  }
  // (An actor call cannot be re-run to rebuild its result: no lineage.)
  if (in_store && spec.actor_id().empty()) {
    for (const ObjectID& id : task->return_ids) {
      if (refs_->Has(id)) lineage_[id] = spec;
    }
  }
  FinishTask(spec.task_id());
}

void CoreWorker::FinishTask(const std::string& task_id) {
  auto it = pending_.find(task_id);
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  pending_.erase(it);
  absl::Status s = refs_->RemoveSubmittedTaskReferences(task->arg_refs);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

void CoreWorker::OnTaskFailure(const rpc::TaskSpec& spec, ErrorKind kind, const std::string& message,
                               const std::string& value) {
  auto it = pending_.find(spec.task_id());
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  const bool retriable = kind == ErrorKind::kWorkerCrashed || kind == ErrorKind::kNodeDied;
  const int max_retries = spec.max_retries();
  if (retriable && !shut_down_ && (max_retries < 0 || spec.attempt() < max_retries)) {
    RecordEvent(spec, rpc::FAILED, NodeID::Nil(), WorkerID::Nil(), message);
    PHOTON_LOG(INFO) << "task " << spec.function_name() << " " << Short(TaskID::FromBinary(spec.task_id())->Hex())
                     << " attempt " << spec.attempt() << " failed (" << message << "); retrying";
    if (task->spec.get() != &spec) *task->spec = spec;
    task->spec->set_attempt(task->spec->attempt() + 1);
    ResolveAndSubmit(task);
    return;
  }
  std::string full = message;
  if (retriable && spec.attempt() > 0) absl::StrAppend(&full, " (after ", spec.attempt() + 1, " attempts)");
  for (const ObjectID& id : task->return_ids) {
    if (refs_->Has(id)) (void)memory_store_.Put(id, ErrorObject(kind, full, value));
  }
  RecordEvent(spec, rpc::FAILED, NodeID::Nil(), WorkerID::Nil(), full);
  FinishTask(spec.task_id());
}

absl::Status CoreWorker::Cancel(const ObjectID& id, bool force) {
  if (shut_down_) return absl::FailedPreconditionError("photon is shut down");
  TaskID task;
  {
    absl::MutexLock lock(&mu_);
    auto it = return_to_task_.find(id);
    if (it == return_to_task_.end()) {
      return absl::NotFoundError("object " + id.Hex() + " is not the result of a task submitted by this process");
    }
    task = it->second;
  }
  std::promise<bool> found;
  loop_.Post("CoreWorker.Cancel", [&] {
    bool known = submitter_->Cancel(task, force);
    if (!known && pending_.count(task.Binary())) {
      // Waiting for its arguments: fail it now.
      OnTaskFailure(*pending_[task.Binary()]->spec, ErrorKind::kTaskCancelled, "task " + task.Hex() + " was cancelled");
      known = true;
    }
    found.set_value(known);
  });
  if (!found.get_future().get()) return absl::NotFoundError("task " + task.Hex() + " already finished");
  return absl::OkStatus();
}

void CoreWorker::OnNodeDead(const NodeID& node) {
  std::vector<ObjectID> lost = refs_->OnNodeDead(node);
  for (const ObjectID& id : lost) {
    auto it = lineage_.find(id);
    const int max_retries = it == lineage_.end() ? 0 : it->second.max_retries();
    if (it == lineage_.end() || (max_retries >= 0 && it->second.attempt() >= max_retries)) {
      memory_store_.Delete({id});
      (void)memory_store_.Put(
          id, ErrorObject(ErrorKind::kObjectLost,
                          absl::StrCat("object ", id.Hex(), " is lost: its only copy was on node ", node.Hex(),
                                       ", which died, and it cannot be rebuilt",
                                       it == lineage_.end() ? " (a put object, or its task's lineage is gone)"
                                                            : " (its task is out of retries)")));
      continue;
    }
    // Rebuild: run the task that made it again.
    rpc::TaskSpec spec = it->second;
    lineage_.erase(it);
    bool args_alive = true;
    auto task = std::make_shared<PendingTask>();
    for (const rpc::TaskArg& a : spec.args()) {
      if (!a.is_ref()) continue;
      const ObjectID arg = *ObjectID::FromBinary(a.ref().object_id());
      if (!refs_->Has(arg)) args_alive = false;
      task->arg_refs.push_back(arg);
    }
    if (!args_alive || !refs_->AddSubmittedTaskReferences(task->arg_refs).ok()) {
      memory_store_.Delete({id});
      (void)memory_store_.Put(id, ErrorObject(ErrorKind::kObjectLost,
                                              absl::StrCat("object ", id.Hex(), " is lost with node ", node.Hex(),
                                                           " and its task's arguments are gone")));
      continue;
    }
    PHOTON_LOG(INFO) << "object " << id.Hex() << " was lost with node " << Short(node.Hex()) << "; re-running task "
                     << spec.function_name() << " to rebuild it";
    memory_store_.Delete({id});
    spec.set_attempt(spec.attempt() + 1);
    task->spec = std::make_shared<rpc::TaskSpec>(std::move(spec));
    task->return_ids = {id};
    pending_[task->spec->task_id()] = task;
    ResolveAndSubmit(task);
  }
}

}  // namespace core
}  // namespace photon
