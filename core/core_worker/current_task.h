#pragma once
// The task whose function runs on the calling thread of a worker, if any:
// its id (photon.get_runtime_context().get_task_id()) and its depth, the
// nesting tasks it submits get one more of (TaskSpec.depth).
//
//   {
//     CurrentTaskScope running(task_id, spec.depth());   // around the function only
//     Run(spec);
//   }
//   const RunningTask* now = CurrentTask();               // nullptr outside tasks
//
// Thread-local: each thread sees its own.
#include "core/common/id.h"

namespace photon {
namespace core {

struct RunningTask {
  TaskID id;
  int depth = 0;
};

// The task running on this thread; nullptr outside a task's function.
const RunningTask* CurrentTask();

// The depth of a task submitted from this thread: one more than the
// running task's, 1 outside tasks (a driver's).
inline int NextDepth() { return CurrentTask() == nullptr ? 1 : CurrentTask()->depth + 1; }
// The parent_task_id of a task submitted now (empty outside tasks).
inline std::string ParentTaskId() { return CurrentTask() == nullptr ? std::string() : CurrentTask()->id.Binary(); }

// Makes `id` this thread's current task for the scope's life (scopes nest).
class CurrentTaskScope {
 public:
  CurrentTaskScope(const TaskID& id, int depth);
  ~CurrentTaskScope();
  CurrentTaskScope(const CurrentTaskScope&) = delete;
  CurrentTaskScope& operator=(const CurrentTaskScope&) = delete;

 private:
  RunningTask task_;
  const RunningTask* outer_;
};

}  // namespace core
}  // namespace photon
