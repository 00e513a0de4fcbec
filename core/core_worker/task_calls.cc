#include "core/core_worker/task_calls.h"

#include <memory>

#include "core/common/status_macros.h"
#include "core/core_worker/current_task.h"
#include "core/core_worker/errors.h"

namespace photon {
namespace core {

absl::StatusOr<std::vector<ObjectID>> TaskCalls::Submit(const std::string& function, std::vector<TaskArg> args,
                                                        const TaskOptions& options) {
  RETURN_IF_ERROR(options.Validate("task", function));
  if (deps_.shut_down) return ShutDownError();
  auto spec = std::make_shared<rpc::TaskSpec>();
  spec->set_task_id(TaskID::Of(deps_.self.nil_actor).Binary());
  spec->set_job_id(deps_.self.job.Binary());
  spec->set_function_name(function);
  spec->set_num_returns(options.num_returns);
  spec->set_retry_exceptions(options.retry_exceptions);
  *spec->mutable_caller() = deps_.self.address;
  AddResources(options.resources, spec->mutable_resources());
  *spec->mutable_strategy() = options.strategy;
  RETURN_IF_ERROR(deps_.placement_groups.AwaitCreated(spec->strategy()));
  spec->set_max_retries(options.max_retries);
  spec->set_depth(NextDepth());
  spec->set_parent_task_id(ParentTaskId());
  return deps_.tasks.Submit(std::move(spec), std::move(args));
}

absl::Status TaskCalls::Cancel(const ObjectID& id, bool force, bool recursive) {
  if (deps_.shut_down) return ShutDownError();
  return deps_.tasks.Cancel(id, force, recursive);
}

}  // namespace core
}  // namespace photon
