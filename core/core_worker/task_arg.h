#pragma once
// TaskArg: one argument of a task as a front end hands it over (a value, or
// a reference to an object), and AddArgs, which writes arguments into a
// task spec.
//
//   std::vector<TaskArg> args = {TaskArg::ByRef(x), TaskArg::ByValue(Serialize(1))};
//   std::vector<ObjectID> held;
//   RETURN_IF_ERROR(AddArgs(refs, std::move(args), &spec, &held));   // held: submitted-task refs
//   ...
//   refs.RemoveSubmittedTaskReferences(held);   // when the task is done
//
// Value type; AddArgs is thread-safe (the ReferenceCounter is).
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/common/id.h"
#include "core/core_worker/memory_store.h"
#include "core/core_worker/reference_counter.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace core {

struct TaskArg {
  bool is_ref = false;
  std::string value;  // by value
  ObjectID ref;       // by reference
  // References serialized inside `value`; the task borrows them.
  std::vector<ObjectID> nested_refs;

  static TaskArg ByValue(std::string v, std::vector<ObjectID> nested = {}) {
    TaskArg a;
    a.value = std::move(v);
    a.nested_refs = std::move(nested);
    return a;
  }
  static TaskArg ByRef(const ObjectID& id) {
    TaskArg a;
    a.is_ref = true;
    a.ref = id;
    return a;
  }
};

// The values of a task's arguments, as the worker executes it.
using TaskArgValues = std::vector<std::shared_ptr<const StoredObject>>;

// Appends `args` to `spec` (each reference with its owner's address) and
// takes a submitted-task reference on every object they name, appending
// those ids to `held`. NotFound when a reference passed by itself is not
// known here; nested references of unknown owners are skipped.
absl::Status AddArgs(ReferenceCounter& refs, std::vector<TaskArg> args, rpc::TaskSpec* spec,
                     std::vector<ObjectID>* held);

}  // namespace core
}  // namespace photon
