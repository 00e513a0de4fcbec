#pragma once
// TaskCalls: submitting normal (non-actor) tasks and cancelling them
// (DESIGN.md, Tasks). Builds the task's spec from its options and hands it
// to the TaskManager.
//
//   TaskOptions options;
//   options.num_returns = 2;
//   ASSIGN_OR_RETURN(std::vector<ObjectID> r, tasks.Submit("Split", {TaskArg::ByRef(x)}, options));
//   RETURN_IF_ERROR(tasks.Cancel(r[0], /*force=*/false));
//
// Thread-safe (user threads; a task into a placement group waits for it).
#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/core_worker/placement_group_calls.h"
#include "core/core_worker/task_arg.h"
#include "core/core_worker/task_manager.h"
#include "core/core_worker/task_options.h"
#include "core/core_worker/worker_identity.h"

namespace photon {
namespace core {

class TaskCalls {
 public:
  struct Deps {
    const WorkerIdentity& self;
    TaskManager& tasks;
    PlacementGroupCalls& placement_groups;
    const std::atomic<bool>& shut_down;
  };

  explicit TaskCalls(Deps deps) : deps_(deps) {}

  // The references (one local reference each) to its options.num_returns results.
  absl::StatusOr<std::vector<ObjectID>> Submit(const std::string& function, std::vector<TaskArg> args,
                                               const TaskOptions& options);
  // Cancels the task that makes `id`: dropped if queued; if running, its
  // result is discarded, and with `force` its worker is ended. NotFound when
  // it already finished. `recursive`: the tasks it submitted are cancelled
  // too (by the worker running it). An actor call is dropped if queued; a
  // running coroutine call is cancelled; `force` is refused for one.
  absl::Status Cancel(const ObjectID& id, bool force, bool recursive = true);

 private:
  const Deps deps_;
};

}  // namespace core
}  // namespace photon
