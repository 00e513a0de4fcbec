#include "core/core_worker/current_task.h"

namespace photon {
namespace core {
namespace {

thread_local const RunningTask* current = nullptr;

}  // namespace

const RunningTask* CurrentTask() { return current; }

CurrentTaskScope::CurrentTaskScope(const TaskID& id, int depth) : task_{id, depth}, outer_(current) {
  current = &task_;
}

CurrentTaskScope::~CurrentTaskScope() { current = outer_; }

}  // namespace core
}  // namespace photon
