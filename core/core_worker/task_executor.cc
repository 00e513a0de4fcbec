#include "core/core_worker/task_executor.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "core/common/memcopy.h"
#include "core/common/status_macros.h"
#include "core/core_worker/current_task.h"
#include "core/core_worker/errors.h"

namespace photon {
namespace core {
namespace {

void SetVisibleGpus(const rpc::TaskSpec& spec) {
  if (spec.gpu_ids_size() == 0) return;
  std::vector<std::string> ids;
  for (int g : spec.gpu_ids()) ids.push_back(std::to_string(g));
  setenv("CUDA_VISIBLE_DEVICES", absl::StrJoin(ids, ",").c_str(), 1);
}

// Where a failed task ran, for its error message.
std::string Where(const rpc::TaskSpec& spec, const TaskID& task, const NodeID& node) {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat("\n  (task ", spec.function_name(), " ", task.ShortHex(), ", attempt ", spec.attempt(), ", on ",
                      host, " pid ", getpid(), " node ", node.ShortHex(), ")");
}

}  // namespace

TaskID TaskExecutor::CurrentTask() const {
  const RunningTask* running = core::CurrentTask();
  return running != nullptr ? running->id : deps_.self.DriverTask();
}

rpc::TaskReply TaskExecutor::StartReply(const rpc::TaskSpec& spec) {
  rpc::TaskReply reply;
  reply.set_task_id(spec.task_id());
  reply.set_attempt(spec.attempt());
  reply.set_worker_pid(getpid());
  SetVisibleGpus(spec);
  return reply;
}

void TaskExecutor::RecordRunning(const rpc::TaskSpec& spec) {
  deps_.events.RecordAttempt(spec, rpc::RUNNING, deps_.self.node_id, deps_.self.worker_id, spec.function_name());
}

void TaskExecutor::EndReply(const rpc::TaskSpec& spec, const std::vector<ObjectID>& nested,
                            std::chrono::steady_clock::time_point start, rpc::TaskReply* reply) {
  ReleaseArgs(nested);
  ReportBorrows(spec, nested, reply);
  reply->set_run_micros(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count());
}

rpc::TaskReply TaskExecutor::Execute(const rpc::TaskSpec& spec) {
  const auto start = std::chrono::steady_clock::now();
  rpc::TaskReply reply = StartReply(spec);
  RecordRunning(spec);
  std::vector<ObjectID> nested;
  absl::StatusOr<TaskArgValues> args = ResolveArgs(spec, &nested);
  if (args.ok()) {
    Run(spec, *args, &reply);
  } else {
    FailedArgs(args.status(), &reply);
  }
  EndReply(spec, nested, start, &reply);
  return reply;
}

void TaskExecutor::FailedArgs(const absl::Status& failed, rpc::TaskReply* reply) {
  if (ErrorKindOf(failed) == ErrorKind::kTaskError) {
    // A borrowed argument whose task raised: this task raises the same error.
    reply->set_outcome(rpc::TaskReply::APPLICATION_ERROR);
    reply->set_error_message(std::string(failed.message()));
    reply->set_error_payload(ErrorValueOf(failed));
    return;
  }
  reply->set_outcome(rpc::TaskReply::SYSTEM_ERROR);
  reply->set_error_message(std::string(failed.message()));
}

void TaskExecutor::SetExecuteAsync(CoreWorkerOptions::ExecuteAsync execute, CancelRunning cancel, Batch batch) {
  execute_async_ = std::move(execute);
  cancel_async_ = std::move(cancel);
  batch_ = std::move(batch);
}

bool TaskExecutor::TryExecuteAsync(std::shared_ptr<const rpc::TaskSpec> spec, ReplyDone& done) {
  if (!execute_async_) return false;
  // An argument to fetch first would hold up the thread that reads calls.
  for (const rpc::TaskArg& a : spec->args()) {
    if (a.is_ref()) return false;
  }
  std::vector<ObjectID> nested;
  absl::StatusOr<TaskArgValues> args = ResolveArgs(*spec, &nested);
  if (args.ok() && StartAsync(std::move(spec), *args, nested, std::chrono::steady_clock::now(), done)) return true;
  ReleaseArgs(nested);  // (run the other way, which resolves them again)
  return false;
}

void TaskExecutor::ExecuteEitherWay(std::shared_ptr<const rpc::TaskSpec> spec, ReplyDone done) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<ObjectID> nested;
  absl::StatusOr<TaskArgValues> args = ResolveArgs(*spec, &nested);
  if (!args.ok() || !execute_async_ || !StartAsync(spec, *args, nested, start, done)) {
    rpc::TaskReply reply = StartReply(*spec);
    RecordRunning(*spec);
    if (args.ok()) {
      Run(*spec, *args, &reply);
    } else {
      FailedArgs(args.status(), &reply);
    }
    EndReply(*spec, nested, start, &reply);
    done(std::move(reply));
  }
}

bool TaskExecutor::StartAsync(std::shared_ptr<const rpc::TaskSpec> spec, const TaskArgValues& args,
                              std::vector<ObjectID> nested, std::chrono::steady_clock::time_point start,
                              ReplyDone& done) {
  std::shared_ptr<const rpc::TaskSpec> keep = spec;  // `s` lives while the call is started
  const rpc::TaskSpec& s = *keep;
  rpc::TaskReply started = StartReply(s);
  // `done` stays the caller's when the language declines the call.
  auto shared_done = std::make_shared<ReplyDone>(std::move(done));
  const bool taken = execute_async_(
      s, args,
      [this, spec = std::move(spec), nested = std::move(nested), start, reply = std::move(started),
       shared_done](absl::StatusOr<std::vector<TaskResult>> results) mutable {
        Finish(*spec, std::move(results), &reply);
        EndReply(*spec, nested, start, &reply);
        (*shared_done)(std::move(reply));
      });
  if (!taken) {
    done = std::move(*shared_done);
    return false;
  }
  // (Maybe after the call ended: the GCS keeps a task's furthest state.)
  RecordRunning(s);
  return true;
}

absl::StatusOr<TaskArgValues> TaskExecutor::ResolveArgs(const rpc::TaskSpec& spec, std::vector<ObjectID>* nested) {
  TaskArgValues args;
  args.reserve(spec.args_size());
  for (int i = 0; i < spec.args_size(); i++) {
    const rpc::TaskArg& a = spec.args(i);
    // Held for the call (so the language finds them known, not new: this
    // task's reply reports those it keeps, see ReportBorrows).
    for (const rpc::ObjectRefInfo& n : a.nested_refs()) {
      absl::StatusOr<ObjectID> id = ObjectID::FromBinary(n.object_id());
      if (id.ok() && deps_.objects.AddBorrowedReference(*id, n.owner()) != ObjectCalls::Hold::kFailed) {
        nested->push_back(*id);
      }
    }
    if (!a.is_ref()) {
      args.push_back(std::make_shared<const StoredObject>(StoredObject{a.value(), "", false}));
      continue;
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const StoredObject> value, ResolveRefArg(spec, i));
    args.push_back(std::move(value));
  }
  return args;
}

void TaskExecutor::ReleaseArgs(const std::vector<ObjectID>& nested) {
  for (const ObjectID& id : nested) deps_.objects.RemoveLocalReference(id);
}

absl::StatusOr<std::shared_ptr<const StoredObject>> TaskExecutor::ResolveRefArg(const rpc::TaskSpec& spec, int i) {
  const rpc::TaskArg& a = spec.args(i);
  ASSIGN_OR_RETURN(ObjectID id, ObjectID::FromBinary(a.ref().object_id()));
  // Borrow it for the call, starting from the locations the submitter sent.
  deps_.objects.AddBorrowedReference(id, a.ref().owner());
  deps_.borrowed.NoteLocations(id, std::vector<rpc::ObjectLocation>(a.locations().begin(), a.locations().end()));
  absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> got =
      deps_.objects.Get({id}, MemoryStore::kForever);
  deps_.objects.RemoveLocalReference(id);
  if (got.ok()) return (*got)[0];
  absl::Status failed(got.status().code(),
                      absl::StrCat("argument ", i, " of ", spec.function_name(), ": ", got.status().message()));
  // (Keeping the error's kind and language value.)
  got.status().ForEachPayload(
      [&failed](absl::string_view url, const absl::Cord& payload) { failed.SetPayload(url, payload); });
  return failed;
}

void TaskExecutor::Run(const rpc::TaskSpec& spec, const TaskArgValues& args, rpc::TaskReply* reply) {
  absl::StatusOr<std::vector<TaskResult>> results;
  {
    CurrentTaskScope running(*TaskID::FromBinary(spec.task_id()), spec.depth());
    results = deps_.execute(spec, args);
  }
  Finish(spec, std::move(results), reply);
}

void TaskExecutor::Finish(const rpc::TaskSpec& spec, absl::StatusOr<std::vector<TaskResult>> results,
                          rpc::TaskReply* reply) {
  // (An actor's constructor returns nothing.)
  const int expected = spec.actor_creation() ? 0 : spec.num_returns();
  if (results.ok() && static_cast<int>(results->size()) != expected) {
    for (const TaskResult& r : *results) {
      for (const ObjectID& id : r.nested_refs) deps_.objects.RemoveLocalReference(id);
    }
    results = absl::InvalidArgumentError(
        absl::StrCat(spec.function_name(), " returned ", results->size(), " values but num_returns is ", expected));
  }
  if (spec.actor_creation()) {
    // The GCS, not an owner's task manager, follows a constructor: its end is
    // reported from here.
    deps_.events.RecordAttempt(spec, results.ok() ? rpc::FINISHED : rpc::FAILED, deps_.self.node_id,
                               deps_.self.worker_id, "", results.ok() ? "" : std::string(results.status().message()));
  }
  if (results.ok()) return AddReturns(spec, *std::move(results), reply);
  if (results.status().code() == absl::StatusCode::kCancelled) {
    reply->set_outcome(rpc::TaskReply::CANCELLED);
    reply->set_error_message(std::string(results.status().message()));
    return;
  }
  reply->set_outcome(rpc::TaskReply::APPLICATION_ERROR);
  reply->set_error_message(absl::StrCat(results.status().message(),
                                        Where(spec, *TaskID::FromBinary(spec.task_id()), deps_.self.node_id)));
  reply->set_error_payload(ErrorValueOf(results.status()));
  reply->set_not_retryable(IsNotRetryable(results.status()));
}

void TaskExecutor::AddReturns(const rpc::TaskSpec& spec, std::vector<TaskResult> results, rpc::TaskReply* reply) {
  const TaskID task_id = *TaskID::FromBinary(spec.task_id());
  for (size_t i = 0; i < results.size(); i++) {
    std::string& result = results[i].data;
    const ObjectID return_id = ObjectID::FromIndex(task_id, static_cast<int>(i) + 1);
    rpc::ReturnObject* r = reply->add_returns();
    r->set_object_id(return_id.Binary());
    LendNestedRefs(spec, results[i].nested_refs, r);
    r->set_size(static_cast<int64_t>(result.size()));
    if (static_cast<int64_t>(result.size()) <= kMaxInlineBytes) {
      r->set_data(std::move(result));
      continue;
    }
    absl::Status s = StoreLarge(return_id, result, spec.caller());
    if (s.code() == absl::StatusCode::kAlreadyExists) s = absl::OkStatus();  // a retry of a task whose copy survived
    if (!s.ok()) {
      reply->clear_returns();
      reply->set_outcome(rpc::TaskReply::SYSTEM_ERROR);
      reply->set_error_message(absl::StrCat("storing the ", result.size(), "-byte result ", i + 1, " of ",
                                            spec.function_name(), " failed: ", s.message()));
      return;
    }
    r->set_in_object_store(true);
    r->set_node_id(deps_.self.node_id.Binary());
  }
}

absl::Status TaskExecutor::StoreLarge(const ObjectID& id, const std::string& data, const rpc::Address& owner) {
  ASSIGN_OR_RETURN(object_store::MutableObject obj, deps_.store.Create(id, static_cast<int64_t>(data.size()), 0, owner));
  CopyMemory(obj.data, data.data(), data.size());
  RETURN_IF_ERROR(deps_.store.Seal(id));
  return deps_.store.Release(id);
}

void TaskExecutor::LendNestedRefs(const rpc::TaskSpec& spec, const std::vector<ObjectID>& nested,
                                  rpc::ReturnObject* r) {
  for (const ObjectID& id : nested) {
    std::optional<Reference> ref = deps_.refs.GetReference(id);
    if (ref) {
      rpc::NestedRef* n = r->add_nested_refs();
      n->set_object_id(id.Binary());
      *n->mutable_owner() = ref->owner;
      // The caller borrows it from this process until it says RemoveBorrower
      // (unless it is the owner itself).
      if (ref->owner.worker_id() != spec.caller().worker_id() && deps_.refs.AddBorrower(id, spec.caller()).ok()) {
        *n->mutable_lender() = deps_.self.address;
      }
    }
    deps_.objects.RemoveLocalReference(id);  // the language's hold, taken while it serialized the value
  }
}

void TaskExecutor::ReportBorrows(const rpc::TaskSpec& spec, const std::vector<ObjectID>& nested,
                                 rpc::TaskReply* reply) {
  for (const ObjectID& id : nested) {
    std::optional<Reference> ref = deps_.refs.GetReference(id);
    if (!ref || ref->owned || !ref->InScope()) continue;
    reply->add_borrowed_object_ids(id.Binary());
    *reply->mutable_borrower() = deps_.self.address;
    // The caller lent it (the owner, or a borrower passing it on).
    deps_.borrowed.MarkReported(id, spec.caller());
  }
}

void TaskExecutor::ReturnOwnLease(int64_t lease_id) {
  // Usually the submitter has returned it already (NotFound); this covers a
  // submitter that died holding it.
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(lease_id);
  if (deps_.local_raylet.ReturnWorkerAndWait(std::move(request)).ok()) PHOTON_LOG(INFO) << "lease " << lease_id << " ended with its submitter's stream; returned it";
}

}  // namespace core
}  // namespace photon
