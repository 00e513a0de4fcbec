#include "core/core_worker/worker_environment.h"

#include <cstdlib>
#include <string>

namespace photon {
namespace core {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

}  // namespace

absl::StatusOr<CoreWorkerOptions> WorkerOptionsFromEnvironment() {
  CoreWorkerOptions options;
  options.is_driver = false;
  options.raylet_address = Env("PHOTON_RAYLET_ADDRESS");
  if (options.raylet_address.empty()) return absl::InvalidArgumentError("PHOTON_RAYLET_ADDRESS is not set");
  options.token = Env("PHOTON_CLUSTER_TOKEN");
  options.node_ip = options.raylet_address.substr(0, options.raylet_address.rfind(':'));
  absl::StatusOr<JobID> job = JobID::FromHex(Env("PHOTON_JOB_ID"));
  if (!job.ok()) return absl::InvalidArgumentError("bad PHOTON_JOB_ID in the environment: " + job.status().ToString());
  absl::StatusOr<WorkerID> id = WorkerID::FromHex(Env("PHOTON_WORKER_ID"));
  if (!id.ok()) return absl::InvalidArgumentError("bad PHOTON_WORKER_ID in the environment: " + id.status().ToString());
  options.job = *job;
  options.worker_id = *id;
  return options;
}

}  // namespace core
}  // namespace photon
