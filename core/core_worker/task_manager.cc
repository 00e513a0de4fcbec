#include "core/core_worker/task_manager.h"

#include <future>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"

namespace photon {
namespace core {

TaskManager::TaskManager(Deps deps) : deps_(std::move(deps)) {
  TaskSubmitter::Options submit;
  submit.local_raylet_address = deps_.self.raylet_address;
  submit.token = deps_.self.token;
  submit.job = deps_.self.job;
  submit.worker = deps_.self.worker_id;
  submit.worker_command = deps_.self.worker_command;
  TaskSubmitter::Callbacks callbacks;
  callbacks.on_reply = [this](const rpc::TaskSpec& spec, const rpc::TaskReply& reply, const NodeID& node,
                              const WorkerID& worker) { OnTaskReply(spec, reply, node, worker); };
  callbacks.on_failure = [this](const rpc::TaskSpec& spec, ErrorKind kind, const std::string& message) {
    OnTaskFailure(spec, kind, message);
  };
  callbacks.on_pushed = [this](const rpc::TaskSpec& spec, const NodeID& node, const WorkerID& worker) {
    deps_.events.RecordAttempt(spec, rpc::SCHEDULED, node, worker);
  };
  submitter_ = std::make_unique<TaskSubmitter>(deps_.loop, submit, deps_.nodes, callbacks);
  ActorSubmitter::Callbacks actor_callbacks;
  actor_callbacks.on_reply = callbacks.on_reply;
  actor_callbacks.on_failure = callbacks.on_failure;
  actor_submitter_ = std::make_unique<ActorSubmitter>(deps_.loop, deps_.self.token, actor_callbacks);
}

TaskManager::~TaskManager() = default;

absl::StatusOr<std::vector<ObjectID>> TaskManager::Submit(std::shared_ptr<rpc::TaskSpec> spec,
                                                          std::vector<TaskArg> args) {
  auto task = std::make_shared<PendingTask>();
  task->spec = std::move(spec);
  const TaskID task_id = *TaskID::FromBinary(task->spec->task_id());
  RETURN_IF_ERROR(AddArgs(deps_.refs, std::move(args), task->spec.get(), &task->arg_refs));
  for (int i = 1; i <= task->spec->num_returns(); i++) {
    const ObjectID id = ObjectID::FromIndex(task_id, i);
    task->return_ids.push_back(id);
    RETURN_IF_ERROR(deps_.refs.AddOwnedObject(id, -1, task_id));
    RETURN_IF_ERROR(deps_.refs.AddLocalReference(id));
  }
  {
    absl::MutexLock lock(&mu_);
    for (const ObjectID& id : task->return_ids) return_to_task_[id] = task_id;
  }
  deps_.events.RecordAttempt(*task->spec, rpc::SUBMITTED, NodeID::Nil(), WorkerID::Nil(),
                             task->spec->function_name());
  std::vector<ObjectID> return_ids = task->return_ids;
  // Tasks submitted while the loop is busy go over in one handler.
  bool first;
  {
    absl::MutexLock lock(&submit_mu_);
    first = to_submit_.empty();
    to_submit_.push_back(std::move(task));
  }
  if (first) deps_.loop.Post("CoreWorker.Submit", [this] { DrainSubmissions(); });
  return return_ids;
}

void TaskManager::DrainSubmissions() {
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

void TaskManager::ResolveAndSubmit(std::shared_ptr<PendingTask> task) {
  if (!IsCurrent(task)) return;  // cancelled or failed while it waited
  if (!LocateBundle(task)) return;
  for (int i = 0; i < task->spec->args_size(); i++) {
    if (!ResolveArg(task, i)) return;
  }
  if (!task->spec->actor_id().empty() && !task->spec->actor_creation()) {
    actor_submitter_->Submit(task->spec);
  } else {
    submitter_->Submit(task->spec);
  }
}

bool TaskManager::IsCurrent(const std::shared_ptr<PendingTask>& task) const {
  auto it = pending_.find(task->spec->task_id());
  return it != pending_.end() && it->second == task;
}

bool TaskManager::LocateBundle(const std::shared_ptr<PendingTask>& task) {
  const rpc::LeaseSchedulingStrategy& strategy = task->spec->strategy();
  if (strategy.kind() != rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP || !strategy.node_id().empty()) return true;
  deps_.placement_groups.LocateBundle(strategy, [this, task](absl::StatusOr<std::string> node) {
    if (!IsCurrent(task)) return;
    if (node.ok()) {
      task->spec->mutable_strategy()->set_node_id(*node);
      return ResolveAndSubmit(task);
    }
    const ErrorKind kind =
        PlacementGroupCalls::IsRemoved(node.status()) ? ErrorKind::kPlacementGroupRemoved : ErrorKind::kScheduling;
    OnTaskFailure(*task->spec, kind,
                  absl::StrCat("task ", task->spec->function_name(), " cannot run in its placement group: ",
                               node.status().message()));
  });
  return false;
}

bool TaskManager::FailIfGroupRemoved(const std::shared_ptr<PendingTask>& task, const rpc::TaskSpec& spec,
                                     ErrorKind kind, const std::string& message, const std::string& value) {
  const rpc::LeaseSchedulingStrategy& strategy = spec.strategy();
  if (strategy.kind() != rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP || task->group_checked) return false;
  if (kind != ErrorKind::kScheduling && kind != ErrorKind::kWorkerCrashed) return false;
  absl::StatusOr<PlacementGroupID> group = PlacementGroupID::FromBinary(strategy.placement_group_id());
  if (!group.ok()) return false;
  task->group_checked = true;
  // (A copy: `spec` may be the submitter's, gone by the time the GCS answers.)
  auto failed = std::make_shared<rpc::TaskSpec>(spec);
  deps_.placement_groups.StateOf(
      *group, [this, task, failed, group = *group, kind, message, value](absl::StatusOr<rpc::PlacementGroupState> s) {
        if (!IsCurrent(task)) return;
        if (s.ok() && *s == rpc::PG_REMOVED) {
          return OnTaskFailure(*failed, ErrorKind::kPlacementGroupRemoved,
                               absl::StrCat("task ", failed->function_name(), ": its placement group ", group.Hex(),
                                            " was removed (", message, ")"));
        }
        OnTaskFailure(*failed, kind, message, value);
      });
  return true;
}

bool TaskManager::ResolveArg(const std::shared_ptr<PendingTask>& task, int i) {
  // Arguments passed by reference: wait until each is ready, inline small
  // values, and send the locations of large ones.
  rpc::TaskArg* arg = task->spec->mutable_args(i);
  if (!arg->is_ref()) return true;
  const ObjectID id = *ObjectID::FromBinary(arg->ref().object_id());
  if (!deps_.refs.IsOwned(id)) return true;  // the worker asks its owner
  std::shared_ptr<const StoredObject> value = deps_.memory_store.GetIfPresent(id);
  if (value == nullptr) {
    deps_.memory_store.GetAsync(id, [this, task](std::shared_ptr<const StoredObject>) {
      deps_.loop.Post("CoreWorker.ArgReady", [this, task] { ResolveAndSubmit(task); });
    });
    return false;
  }
  const ErrorKind kind = ErrorKindOfObject(*value);
  if (kind != ErrorKind::kNone) {
    // A failed argument fails the task the same way.
    OnTaskFailure(*task->spec, kind, absl::StrCat("argument ", i, " (object ", id.Hex(), ") failed: ", value->data),
                  ErrorValueOfObject(*value));
    return false;
  }
  if (!value->in_object_store) {
    arg->set_is_ref(false);
    arg->set_value(std::string(value->bytes()));
    arg->clear_ref();
    return true;
  }
  arg->clear_locations();
  for (const NodeID& node : deps_.refs.Locations(id)) {
    rpc::ObjectLocation* loc = arg->add_locations();
    loc->set_node_id(node.Binary());
    loc->set_object_manager_address(deps_.nodes.ObjectManagerAddress(node));
  }
  return true;
}

void TaskManager::OnTaskReply(const rpc::TaskSpec& spec, const rpc::TaskReply& reply, const NodeID& node,
                              const WorkerID& worker) {
  auto it = pending_.find(spec.task_id());
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  if (reply.outcome() == rpc::TaskReply::SYSTEM_ERROR) {
    return OnTaskFailure(spec, ErrorKind::kObjectLost, reply.error_message());
  }
  if (reply.outcome() == rpc::TaskReply::CANCELLED) {
    return OnTaskFailure(spec, ErrorKind::kTaskCancelled,
                         absl::StrCat(reply.error_message(), " (task ", TaskID::FromBinary(spec.task_id())->Hex(), ")"));
  }
  // Borrowers first, so dropping the submitted-task references below cannot free them.
  for (const std::string& b : reply.borrowed_object_ids()) {
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(b);
    if (id.ok() && deps_.refs.Has(*id)) (void)deps_.refs.AddBorrower(*id, reply.borrower());
  }
  bool in_store = false;
  if (reply.outcome() == rpc::TaskReply::OK) {
    in_store = StoreReturns(reply);
    deps_.events.RecordAttempt(spec, rpc::FINISHED, node, worker);
  } else {
    const int max_retries = spec.max_retries();
    if (spec.retry_exceptions() && !reply.not_retryable() && !deps_.shut_down &&
        (max_retries < 0 || spec.attempt() < max_retries)) {
      deps_.events.RecordAttempt(spec, rpc::FAILED, node, worker, "", reply.error_message());
      PHOTON_LOG(INFO) << "task " << spec.function_name() << " attempt " << spec.attempt()
                       << " raised; retrying (retry_exceptions)";
      return Retry(task, spec);
    }
    FailReturns(*task, ErrorObject(ErrorKind::kTaskError, reply.error_message(), reply.error_payload()));
    deps_.events.RecordAttempt(spec, rpc::FAILED, node, worker, "", reply.error_message());
  }
  // (An actor call cannot be re-run to rebuild its result: no lineage.)
  if (in_store && spec.actor_id().empty()) {
    for (const ObjectID& id : task->return_ids) {
      if (deps_.refs.Has(id)) lineage_[id] = spec;
    }
  }
  FinishTask(spec.task_id());
}

bool TaskManager::StoreReturns(const rpc::TaskReply& reply) {
  bool in_store = false;
  for (const rpc::ReturnObject& r : reply.returns()) {
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(r.object_id());
    if (!id.ok()) continue;
    absl::StatusOr<NodeID> at = NodeID::FromBinary(r.node_id());
    AdoptNestedRefs(*id, r);
    if (!deps_.refs.Has(*id)) {
      // Nobody holds the result any more: keep nothing, free the copy.
      if (r.in_object_store() && at.ok()) {
        Reference gone;
        gone.owned = true;
        gone.locations.insert(*at);
        deps_.free_copies(*id, gone);
      }
      continue;
    }
    if (r.in_object_store()) {
      in_store = true;
      if (deps_.refs.IsOwned(*id) && at.ok()) (void)deps_.refs.AddLocation(*id, *at);
      (void)deps_.memory_store.Put(*id, StoredObject{"", "", true});
    } else {
      (void)deps_.memory_store.Put(*id, StoredObject{r.data(), "", false});
    }
  }
  return in_store;
}

void TaskManager::AdoptNestedRefs(const ObjectID& outer, const rpc::ReturnObject& r) {
  if (r.nested_refs().empty()) return;  // (most results: no lookup)
  const bool outer_held = deps_.refs.Has(outer);
  std::vector<ObjectID> inner;
  for (const rpc::NestedRef& n : r.nested_refs()) {
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(n.object_id());
    if (!id.ok()) continue;
    if (!outer_held || deps_.refs.Has(*id)) {
      // Nobody holds the result, or the inner one is held here already
      // (owned, or borrowed another way): the lender's hold is not needed.
      if (n.has_lender()) deps_.borrowed.ReturnLoan(*id, n.lender());
    } else if (deps_.refs.AddBorrowedObject(*id, n.owner()).ok() && n.has_lender()) {
      deps_.borrowed.MarkReported(*id, n.lender());
    }
    inner.push_back(*id);
  }
  if (outer_held && !inner.empty()) (void)deps_.refs.AddContained(outer, inner);
}

void TaskManager::OnTaskFailure(const rpc::TaskSpec& spec, ErrorKind kind, const std::string& message,
                                const std::string& value) {
  auto it = pending_.find(spec.task_id());
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  if (FailIfGroupRemoved(task, spec, kind, message, value)) return;
  task->group_checked = false;  // (for its next attempt)
  const bool retriable = kind == ErrorKind::kWorkerCrashed || kind == ErrorKind::kNodeDied;
  const int max_retries = spec.max_retries();
  if (retriable && !deps_.shut_down && (max_retries < 0 || spec.attempt() < max_retries)) {
    deps_.events.RecordAttempt(spec, rpc::FAILED, NodeID::Nil(), WorkerID::Nil(), "", message);
    PHOTON_LOG(INFO) << "task " << spec.function_name() << " " << TaskID::FromBinary(spec.task_id())->ShortHex()
                     << " attempt " << spec.attempt() << " failed (" << message << "); retrying";
    return Retry(task, spec);
  }
  std::string full = message;
  if (retriable && spec.attempt() > 0) absl::StrAppend(&full, " (after ", spec.attempt() + 1, " attempts)");
  FailReturns(*task, ErrorObject(kind, full, value));
  deps_.events.RecordAttempt(spec, rpc::FAILED, NodeID::Nil(), WorkerID::Nil(), "", full);
  FinishTask(spec.task_id());
}

void TaskManager::Retry(const std::shared_ptr<PendingTask>& task, const rpc::TaskSpec& spec) {
  if (task->spec.get() != &spec) *task->spec = spec;
  task->spec->set_attempt(task->spec->attempt() + 1);
  // Its group's bundle may have moved (a node died): look it up again.
  if (task->spec->strategy().kind() == rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP) {
    task->spec->mutable_strategy()->clear_node_id();
  }
  ResolveAndSubmit(task);
}

void TaskManager::FailReturns(const PendingTask& task, const StoredObject& error) {
  // (A result nobody holds any more is not kept.)
  for (const ObjectID& id : task.return_ids) {
    if (deps_.refs.Has(id)) (void)deps_.memory_store.Put(id, error);
  }
}

void TaskManager::FinishTask(const std::string& task_id) {
  auto it = pending_.find(task_id);
  if (it == pending_.end()) return;
  std::shared_ptr<PendingTask> task = it->second;
  pending_.erase(it);
  absl::Status s = deps_.refs.RemoveSubmittedTaskReferences(task->arg_refs);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

absl::Status TaskManager::Cancel(const ObjectID& id, bool force, bool recursive) {
  TaskID task;
  {
    absl::MutexLock lock(&mu_);
    auto it = return_to_task_.find(id);
    if (it == return_to_task_.end()) {
      return absl::NotFoundError("object " + id.Hex() + " is not the result of a task submitted by this process");
    }
    task = it->second;
  }
  std::promise<absl::Status> outcome;
  deps_.loop.Post("CoreWorker.Cancel", [&] { outcome.set_value(CancelOnLoop(task, force, recursive)); });
  return outcome.get_future().get();
}

void TaskManager::CancelChildren(const TaskID& parent) {
  deps_.loop.Post("CoreWorker.CancelChildren", [this, parent] {
    std::vector<TaskID> children;
    for (const auto& [id, task] : pending_) {
      if (task->spec->parent_task_id() == parent.Binary()) children.push_back(*TaskID::FromBinary(id));
    }
    for (const TaskID& child : children) {
      absl::Status s = CancelOnLoop(child, /*force=*/false, /*recursive=*/true);
      if (!s.ok()) PHOTON_LOG(DEBUG) << "cancelling child " << child.Hex() << " of " << parent.Hex() << ": " << s;
    }
  });
}

absl::Status TaskManager::CancelOnLoop(const TaskID& task, bool force, bool recursive) {
  auto it = pending_.find(task.Binary());
  if (it == pending_.end()) return absl::NotFoundError("task " + task.Hex() + " already finished");
  const rpc::TaskSpec& spec = *it->second->spec;
  const bool is_actor_call = !spec.actor_id().empty();
  if (is_actor_call && force) {
    return absl::InvalidArgumentError(absl::StrCat("force=True is not supported for actor calls (",
                                                   spec.function_name(), "); end the actor with kill() instead"));
  }
  // Where it runs, if it does: that worker cancels what it submitted.
  std::string worker;
  if (recursive) {
    worker = is_actor_call ? actor_submitter_->ServiceOf(*ActorID::FromBinary(spec.actor_id()), task)
                           : submitter_->WorkerOf(task);
  }
  if (!worker.empty() && deps_.cancel_children_on) deps_.cancel_children_on(worker, task);
  if (is_actor_call) {
    if (actor_submitter_->Cancel(*ActorID::FromBinary(spec.actor_id()), task)) return absl::OkStatus();
  } else if (submitter_->Cancel(task, force)) {
    return absl::OkStatus();
  }
  // Waiting for its arguments: fail it now.
  OnTaskFailure(spec, ErrorKind::kTaskCancelled, "task " + task.Hex() + " was cancelled");
  return absl::OkStatus();
}

void TaskManager::OnActorUpdate(const rpc::ActorTableData& actor) { actor_submitter_->OnActorUpdate(actor); }

void TaskManager::ForgetObject(const ObjectID& id) {
  lineage_.erase(id);
  absl::MutexLock lock(&mu_);
  return_to_task_.erase(id);
}

void TaskManager::OnNodeDead(const NodeID& node) {
  for (const ObjectID& id : deps_.refs.OnNodeDead(node)) Rebuild(id, node);
}

void TaskManager::FailLost(const ObjectID& id, const std::string& why) {
  deps_.memory_store.Delete({id});
  (void)deps_.memory_store.Put(id, ErrorObject(ErrorKind::kObjectLost, why));
}

void TaskManager::Rebuild(const ObjectID& id, const NodeID& node) {
  auto it = lineage_.find(id);
  const int max_retries = it == lineage_.end() ? 0 : it->second.max_retries();
  if (it == lineage_.end() || (max_retries >= 0 && it->second.attempt() >= max_retries)) {
    return FailLost(id, absl::StrCat("object ", id.Hex(), " is lost: its only copy was on node ", node.Hex(),
                                     ", which died, and it cannot be rebuilt",
                                     it == lineage_.end() ? " (a put object, or its task's lineage is gone)"
                                                          : " (its task is out of retries)"));
  }
  // Rebuild: run the task that made it again.
  rpc::TaskSpec spec = it->second;
  lineage_.erase(it);
  bool args_alive = true;
  auto task = std::make_shared<PendingTask>();
  for (const rpc::TaskArg& a : spec.args()) {
    if (!a.is_ref()) continue;
    const ObjectID arg = *ObjectID::FromBinary(a.ref().object_id());
    if (!deps_.refs.Has(arg)) args_alive = false;
    task->arg_refs.push_back(arg);
  }
  if (!args_alive || !deps_.refs.AddSubmittedTaskReferences(task->arg_refs).ok()) {
    return FailLost(id, absl::StrCat("object ", id.Hex(), " is lost with node ", node.Hex(),
                                     " and its task's arguments are gone"));
  }
  PHOTON_LOG(INFO) << "object " << id.Hex() << " was lost with node " << node.ShortHex() << "; re-running task "
                   << spec.function_name() << " to rebuild it";
  deps_.memory_store.Delete({id});
  spec.set_attempt(spec.attempt() + 1);
  task->spec = std::make_shared<rpc::TaskSpec>(std::move(spec));
  task->return_ids = {id};
  pending_[task->spec->task_id()] = task;
  ResolveAndSubmit(task);
}

void TaskManager::Shutdown() {
  submitter_->Shutdown();
  actor_submitter_->Shutdown();
}

}  // namespace core
}  // namespace photon
