#pragma once
// CoreWorkerOptions: what a front end (the C++ API, the Python module) tells
// CoreWorker::Start. A driver names its GCS; a worker is told by its raylet
// through the environment (worker_environment.h) and learns the rest when
// it registers.
//
//   CoreWorkerOptions options;
//   options.gcs_address = "127.0.0.1:6379";
//   options.token = token;
//   ASSIGN_OR_RETURN(auto cw, CoreWorker::Start(std::move(options)));
//
// Value type.
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "core/core_worker/task_arg.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace core {

// One serialized result of a task, and the references inside it.
struct TaskResult {
  TaskResult(std::string data = {}, std::vector<ObjectID> nested_refs = {})  // NOLINT: a bare value converts
      : data(std::move(data)), nested_refs(std::move(nested_refs)) {}
  std::string data;
  std::vector<ObjectID> nested_refs;
};

struct CoreWorkerOptions {
  bool is_driver = true;
  // Driver: the GCS (HOST:PORT). A worker learns it from its raylet.
  std::string gcs_address;
  // The local raylet (HOST:PORT). Driver: empty picks the head node's raylet
  // on this machine, else any alive one.
  std::string raylet_address;
  std::string token;
  // Worker: its job and ID (from PHOTON_JOB_ID / PHOTON_WORKER_ID).
  JobID job;
  WorkerID worker_id;
  // The IP other processes reach this one at.
  std::string node_ip = "127.0.0.1";
  // Driver: how a raylet starts this job's workers.
  std::vector<std::string> worker_command;
  // Driver: shown in the job table.
  std::string entrypoint;
  std::string namespace_name;
  // Driver: print what this job's workers print (stdout and stderr, any
  // node) on this process's stdout, each line prefixed with
  // "(pid=<worker pid>, node=<first 4 hex digits of its node id>) ".
  // Workers never do.
  bool log_to_driver = true;
  // Worker: runs a task's function on its arguments (spec.actor_creation:
  // constructs the actor; spec.actor_id set: calls a method of it); returns
  // its spec.num_returns serialized results, or an error whose message
  // reaches the caller's get as a TaskError (with WithErrorValue: also the
  // error as a language value). Arguments from the local object store are
  // read in place (StoredObject::view).
  // Each result may list references serialized inside it, each held by one
  // local reference the executor takes over (it drops them once the caller
  // has them).
  using Execute =
      std::function<absl::StatusOr<std::vector<TaskResult>>(const rpc::TaskSpec& spec, const TaskArgValues& args)>;
  Execute execute;
  // An async actor's worker (TaskExecutor::SetExecuteAsync): starts a call
  // on the language's event loop and returns true, calling `done` with what
  // Execute would have returned once the call ends (on any thread, possibly
  // before it returns); false when the call is not one it runs that way
  // (then Execute runs it on a thread).
  using ResultsDone = std::function<void(absl::StatusOr<std::vector<TaskResult>>)>;
  using ExecuteAsync = std::function<bool(const rpc::TaskSpec& spec, const TaskArgValues& args, ResultsDone done)>;
};

}  // namespace core
}  // namespace photon
