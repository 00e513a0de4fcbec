#pragma once
// TaskManager: the owner's record of the tasks this process submitted, from
// submission to their results (DESIGN.md, Tasks 1, 4 and 5).
//
// Submit takes a spec with its ids set, adds its arguments (taking
// submitted-task references), registers its return objects as owned, and
// hands it to the loop, which waits for arguments this process owns,
// inlines small ones, attaches the locations of large ones, and passes the
// task to the TaskSubmitter (normal tasks) or the ActorSubmitter (actor
// calls), both owned here. Their outcomes come back here:
//   - results are stored in the MemoryStore (small) or recorded as store
//     locations (large; the spec is kept as lineage to rebuild them);
//   - a dead worker or node is retried while attempts remain (max_retries,
//     -1 unlimited), an exception only with retry_exceptions; the error of
//     the last attempt becomes the value of every return;
//   - a large return lost with its node is rebuilt by re-running the task;
//   - a task into a placement group waits here until the group is placed,
//     and fails with kPlacementGroupRemoved once it is removed.
// Every step is recorded in the TaskEventBuffer.
//
//   TaskManager tasks(deps);
//   ASSIGN_OR_RETURN(std::vector<ObjectID> returns, tasks.Submit(spec, std::move(args)));
//   RETURN_IF_ERROR(tasks.Cancel(returns[0], /*force=*/false));
//
// Submit and Cancel: any thread (Cancel blocks until the loop answered).
// Everything else runs only on the loop.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/common/event_loop.h"
#include "core/core_worker/actor_submitter.h"
#include "core/core_worker/errors.h"
#include "core/core_worker/borrowed_objects.h"
#include "core/core_worker/memory_store.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/placement_group_calls.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/task_arg.h"
#include "core/core_worker/task_event_buffer.h"
#include "core/core_worker/task_submitter.h"
#include "core/core_worker/worker_identity.h"

namespace photon {
namespace core {

class TaskManager {
 public:
  struct Deps {
    const WorkerIdentity& self;
    EventLoop& loop;
    ReferenceCounter& refs;
    MemoryStore& memory_store;
    // References inside results are borrowed through it.
    BorrowedObjects& borrowed;
    NodeDirectory& nodes;
    TaskEventBuffer& events;
    // Set once the process shuts down: nothing is retried after.
    const std::atomic<bool>& shut_down;
    // Frees copies of a result nobody holds any more (ObjectReleaser::FreeRemote).
    std::function<void(const ObjectID&, const Reference&)> free_copies;
    // Asks the worker at HOST:PORT to cancel what task `parent` submitted.
    std::function<void(const std::string& worker, const TaskID& parent)> cancel_children_on;
    // Where the bundles of placement groups are (tasks into a group wait
    // for it here, not in their caller).
    PlacementGroupCalls& placement_groups;
  };

  explicit TaskManager(Deps deps);
  ~TaskManager();

  // `spec` has its ids, function and options set; returns the references
  // (one local reference each) to its spec->num_returns() results.
  absl::StatusOr<std::vector<ObjectID>> Submit(std::shared_ptr<rpc::TaskSpec> spec, std::vector<TaskArg> args);
  // Cancels the task that makes `id`; NotFound when it already finished;
  // InvalidArgument for `force` on an actor call.
  // `recursive`: the tasks it submitted are cancelled too.
  absl::Status Cancel(const ObjectID& id, bool force, bool recursive = true);
  // Cancels (recursively) the tasks submitted from task `parent`'s function
  // that have not finished. Any thread; does not wait.
  void CancelChildren(const TaskID& parent);

  // What the GCS says of an actor this process calls.
  void OnActorUpdate(const rpc::ActorTableData& actor);
  // `id` was released: its lineage and task record go.
  void ForgetObject(const ObjectID& id);
  // Objects whose only copy was on `node` are rebuilt or fail.
  void OnNodeDead(const NodeID& node);
  // Returns every lease and drops every stream.
  void Shutdown();

 private:
  struct PendingTask {
    // Shared with a submitter while it holds the task.
    std::shared_ptr<rpc::TaskSpec> spec;
    std::vector<ObjectID> arg_refs;  // submitted-task references held
    std::vector<ObjectID> return_ids;
    // A failure of its last attempt was checked against its placement group.
    bool group_checked = false;
  };

  void DrainSubmissions();
  void ResolveAndSubmit(std::shared_ptr<PendingTask> task);
  // Still the pending task of its id (not finished, cancelled or failed).
  bool IsCurrent(const std::shared_ptr<PendingTask>& task) const;
  // Readies the node of a placement group task's bundle; false when the
  // task must wait for its group (or has failed).
  bool LocateBundle(const std::shared_ptr<PendingTask>& task);
  // A placement group task that failed to schedule or lost its worker: when
  // its group was removed, that is the failure. True when it took over.
  bool FailIfGroupRemoved(const std::shared_ptr<PendingTask>& task, const rpc::TaskSpec& spec, ErrorKind kind,
                          const std::string& message, const std::string& value);
  // Readies argument `i` of `task` (an owned reference) for the push; false
  // when the task must wait for it or has failed.
  bool ResolveArg(const std::shared_ptr<PendingTask>& task, int i);
  void OnTaskReply(const rpc::TaskSpec& spec, const rpc::TaskReply& reply, const NodeID& node, const WorkerID& worker);
  // Stores the returns of a successful reply; true when some are in a store.
  // The references inside result `outer` (r.nested_refs): borrowed from the
  // worker that lent them (or owned here), each kept alive while `outer` is;
  // when nobody holds `outer`, the lenders are told at once.
  void AdoptNestedRefs(const ObjectID& outer, const rpc::ReturnObject& r);
  bool StoreReturns(const rpc::TaskReply& reply);
  // `value`: the error as a language value (a failed argument's), kept in the
  // error objects of the task's returns.
  void OnTaskFailure(const rpc::TaskSpec& spec, ErrorKind kind, const std::string& message,
                     const std::string& value = "");
  // Submits the next attempt of `task` (whose last attempt was `spec`).
  void Retry(const std::shared_ptr<PendingTask>& task, const rpc::TaskSpec& spec);
  void FailReturns(const PendingTask& task, const StoredObject& error);
  void FinishTask(const std::string& task_id);
  // Runs the task that made `id` again, or fails `id` when it cannot be rebuilt.
  void Rebuild(const ObjectID& id, const NodeID& node);
  void FailLost(const ObjectID& id, const std::string& why);
  absl::Status CancelOnLoop(const TaskID& task, bool force, bool recursive);

  const Deps deps_;
  std::unique_ptr<TaskSubmitter> submitter_;
  std::unique_ptr<ActorSubmitter> actor_submitter_;

  // Loop-only state.
  absl::flat_hash_map<std::string, std::shared_ptr<PendingTask>> pending_;  // by task id bytes
  // Specs of finished tasks whose large returns may need rebuilding.
  absl::flat_hash_map<ObjectID, rpc::TaskSpec> lineage_;

  // Submitted by user threads, not yet taken by the loop.
  absl::Mutex submit_mu_;
  std::vector<std::shared_ptr<PendingTask>> to_submit_ ABSL_GUARDED_BY(submit_mu_);
  // Which task makes each owned return (for Cancel).
  absl::Mutex mu_;
  absl::flat_hash_map<ObjectID, TaskID> return_to_task_ ABSL_GUARDED_BY(mu_);
};

}  // namespace core
}  // namespace photon
