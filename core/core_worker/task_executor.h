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
// Execute runs on the thread the receiver calls it from (the execution
// thread, or an actor's call threads); it is thread-safe. CurrentTask is
// per thread.
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
  // The task whose function runs on this thread (the driver's own task outside tasks).
  TaskID CurrentTask() const;
  // The stream of lease `lease_id` ended: makes sure the raylet knows the
  // lease is over (usually its submitter returned it already).
  void ReturnOwnLease(int64_t lease_id);

 private:
  // The arguments' values; `nested` gets the references serialized inside them.
  absl::StatusOr<TaskArgValues> ResolveArgs(const rpc::TaskSpec& spec, std::vector<ObjectID>* nested);
  absl::StatusOr<std::shared_ptr<const StoredObject>> ResolveRefArg(const rpc::TaskSpec& spec, int i);
  // Runs the function and fills `reply` with its outcome.
  void Run(const rpc::TaskSpec& spec, const TaskArgValues& args, rpc::TaskReply* reply);
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
};

}  // namespace core
}  // namespace photon
