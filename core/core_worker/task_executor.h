#pragma once
// TaskExecutor: runs the tasks pushed to this worker (DESIGN.md, Tasks 3-4).
//
// For each task it gets the arguments' values (borrowing referenced objects
// for the call, reading store objects in place), runs the language's
// execute function, and builds the reply: small results inline, large ones
// sealed in this node's store for the caller to own, an exception as an
// application error carrying its language value, a failed argument as the
// same error. References the task kept are reported as borrowed.
//
//   TaskExecutor executor(deps);
//   TaskReceiver receiver(token, listener,
//                         [&](const rpc::TaskSpec& s) { return executor.Execute(s); }, ...);
//   TaskID now = executor.CurrentTask();   // from inside a task
//
// An async actor's language runs its coroutine calls on its event loop:
// SetExecuteAsync (before the actor serves calls), then TryExecuteAsync
// starts a call there and its reply comes to `done` when it ends;
// CancelAsync asks the language to cancel one that runs.
//
// Execute runs on the thread the receiver calls it from (the execution
// thread, or an actor's call threads); it is thread-safe. CurrentTask is
// per thread.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/core_worker/borrowed_objects.h"
#include "core/core_worker/core_worker_options.h"
#include "core/core_worker/object_calls.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/task_event_buffer.h"
#include "core/core_worker/worker_identity.h"
#include "object_store/object_store_client.h"
#include "core/rpc/raylet_client.h"

namespace photon {
namespace core {

class TaskExecutor {
 public:
  struct Deps {
    const WorkerIdentity& self;
    ObjectCalls& objects;
    BorrowedObjects& borrowed;
    ReferenceCounter& refs;
    object_store::ObjectStoreClient& store;
    TaskEventBuffer& events;
    rpc::RayletClient& local_raylet;
    // The language's function runner (CoreWorkerOptions::execute).
    CoreWorkerOptions::Execute execute;
  };

  explicit TaskExecutor(Deps deps) : deps_(std::move(deps)) {}

  rpc::TaskReply Execute(const rpc::TaskSpec& spec);
  using ReplyDone = std::function<void(rpc::TaskReply)>;
  // True when the language started `spec` on its event loop (its arguments
  // all came inline); `done` (taken then) gets the reply, on whichever
  // thread the call ends. False: `done` is left; run it another way.
  bool TryExecuteAsync(std::shared_ptr<const rpc::TaskSpec> spec, ReplyDone& done);
  // Resolves the arguments (waiting for them), then starts the call on the
  // language's loop, or runs it here when the language declines; `done`
  // gets the reply either way.
  void ExecuteEitherWay(std::shared_ptr<const rpc::TaskSpec> spec, ReplyDone done);
  // `cancel(task_id)`: cancels a call the language runs on its loop; false
  // when it has no such call.
  using CancelRunning = std::function<bool(const std::string& task_id)>;
  // `batch(fn)` runs fn, which starts several calls.
  using Batch = std::function<void(const std::function<void()>&)>;
  void SetExecuteAsync(CoreWorkerOptions::ExecuteAsync execute, CancelRunning cancel, Batch batch);
  bool CancelAsync(const std::string& task_id) { return cancel_async_ && cancel_async_(task_id); }
  void InBatch(const std::function<void()>& fn) { batch_ ? batch_(fn) : fn(); }
  bool HasExecuteAsync() const { return static_cast<bool>(execute_async_); }
  // The task whose function runs on this thread (the driver's own task outside tasks).
  TaskID CurrentTask() const;
  // The stream of lease `lease_id` ended: makes sure the raylet knows the
  // lease is over (usually its submitter returned it already).
  void ReturnOwnLease(int64_t lease_id);

 private:
  // The arguments' values; `nested` gets the references serialized inside
  // them, each held (a local reference) until ReleaseArgs.
  absl::StatusOr<TaskArgValues> ResolveArgs(const rpc::TaskSpec& spec, std::vector<ObjectID>* nested);
  void ReleaseArgs(const std::vector<ObjectID>& nested);
  absl::StatusOr<std::shared_ptr<const StoredObject>> ResolveRefArg(const rpc::TaskSpec& spec, int i);
  rpc::TaskReply StartReply(const rpc::TaskSpec& spec);
  void RecordRunning(const rpc::TaskSpec& spec);
  void FailedArgs(const absl::Status& failed, rpc::TaskReply* reply);
  // Hands the call to the language's loop; false (with `done` left) when it declines.
  bool StartAsync(std::shared_ptr<const rpc::TaskSpec> spec, const TaskArgValues& args, std::vector<ObjectID> nested,
                  std::chrono::steady_clock::time_point start, ReplyDone& done);
  // Runs the function and fills `reply` with its outcome.
  void Run(const rpc::TaskSpec& spec, const TaskArgValues& args, rpc::TaskReply* reply);
  // Fills `reply` with the function's outcome `results`.
  void Finish(const rpc::TaskSpec& spec, absl::StatusOr<std::vector<TaskResult>> results, rpc::TaskReply* reply);
  void EndReply(const rpc::TaskSpec& spec, const std::vector<ObjectID>& nested,
                std::chrono::steady_clock::time_point start, rpc::TaskReply* reply);
  void AddReturns(const rpc::TaskSpec& spec, std::vector<TaskResult> results, rpc::TaskReply* reply);
  absl::Status StoreLarge(const ObjectID& id, const std::string& data, const rpc::Address& owner);
  // References among `nested` (the arguments') the task kept alive are
  // borrowed now, from the caller.
  void ReportBorrows(const rpc::TaskSpec& spec, const std::vector<ObjectID>& nested, rpc::TaskReply* reply);
  // The references inside a result go into its ReturnObject; the caller
  // becomes this process's borrower of each it does not own; the language's
  // holds on them are dropped.
  void LendNestedRefs(const rpc::TaskSpec& spec, const std::vector<ObjectID>& nested, rpc::ReturnObject* r);

  const Deps deps_;
  // Set once, before calls arrive (by the actor's constructor).
  CoreWorkerOptions::ExecuteAsync execute_async_;
  CancelRunning cancel_async_;
  Batch batch_;
};

}  // namespace core
}  // namespace photon
