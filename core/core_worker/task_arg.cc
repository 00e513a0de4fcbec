#include "core/core_worker/task_arg.h"

#include <optional>

#include "absl/strings/str_cat.h"

namespace photon {
namespace core {

absl::Status AddArgs(ReferenceCounter& refs, std::vector<TaskArg> args, rpc::TaskSpec* spec,
                     std::vector<ObjectID>* held) {
  const std::string& function = spec->function_name();
  for (TaskArg& a : args) {
    rpc::TaskArg* arg = spec->add_args();
    if (a.is_ref) {
      std::optional<rpc::Address> owner = refs.OwnerOf(a.ref);
      if (!owner) {
        return absl::NotFoundError(
            absl::StrCat("task ", function, ": argument object ", a.ref.Hex(), " is not known to this process"));
      }
      arg->set_is_ref(true);
      arg->mutable_ref()->set_object_id(a.ref.Binary());
      *arg->mutable_ref()->mutable_owner() = *owner;
      held->push_back(a.ref);
      continue;
    }
    arg->set_value(std::move(a.value));
    for (const ObjectID& nested : a.nested_refs) {
      std::optional<rpc::Address> owner = refs.OwnerOf(nested);
      if (!owner) continue;
      rpc::ObjectRefInfo* info = arg->add_nested_refs();
      info->set_object_id(nested.Binary());
      *info->mutable_owner() = *owner;
      held->push_back(nested);
    }
  }
  return refs.AddSubmittedTaskReferences(*held);
}

}  // namespace core
}  // namespace photon
