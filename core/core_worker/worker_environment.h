#pragma once
// The options of a worker process, from the environment its raylet started
// it with (PHOTON_RAYLET_ADDRESS, PHOTON_CLUSTER_TOKEN, PHOTON_JOB_ID,
// PHOTON_WORKER_ID). Shared by the C++ API and the Python module.
//
//   ASSIGN_OR_RETURN(CoreWorkerOptions options, WorkerOptionsFromEnvironment());
//   options.execute = ...;
#include "absl/status/statusor.h"
#include "core/core_worker/core_worker_options.h"

namespace photon {
namespace core {

// InvalidArgument naming the variable when one is missing or malformed.
absl::StatusOr<CoreWorkerOptions> WorkerOptionsFromEnvironment();

}  // namespace core
}  // namespace photon
