#pragma once

// JobRunner: carries one submitted job from PENDING to its end, in a process
// of its own (photon-job-supervisor, started by the dashboard), so that jobs
// outlive dashboard restarts: Ray's JobSupervisor actor, without an actor.
//
//   1. Reserves the entrypoint's resources (entrypoint_num_cpus, _gpus,
//      _memory, _resources) on the head for the job's lifetime, as a
//      one-bundle placement group pinned there; the job stays PENDING, with a
//      message saying what it waits for, until they are free.
//   2. Prepares its working_dir: a folder on the head, or a gcs:// package
//      unpacked into the session (checked against zip-slip first).
//   3. Runs `/bin/sh -c <entrypoint>` as a process group, in that folder (or
//      the head's session folder when there is none),
//      output to logs/job-driver-<submission id>.log, with PHOTON_ADDRESS and
//      RAY_ADDRESS (this cluster's GCS), PHOTON_JOB_SUBMISSION_ID, the token
//      and the job's env_vars; the folder comes first on PYTHONPATH. RUNNING.
//   4. Its exit code decides SUCCEEDED or FAILED; a stop request (SIGTERM to
//      the supervisor) sends SIGTERM to the group, SIGKILL after
//      `stop_grace`, and ends STOPPED.
//
//   JobRunner runner(gcs, {.session_dir = dir, .submission_id = id, ...});
//   absl::Status s = runner.Run(stop_flag);  // returns once the end is stored
//
// Thread-compatible; Run blocks.

#include <atomic>
#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "dashboard/job_info.h"
#include "dashboard/job_store.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace dashboard {

struct JobRunnerOptions {
  std::string gcs_address;  // HOST:PORT, given to the entrypoint
  std::string token;
  std::string session_dir;  // the head's session: logs/, runtime_resources/
  std::string submission_id;
  std::string node_id;  // hex of the head node (JobDetails.driver_node_id)
  // How long a stopped entrypoint has between SIGTERM and SIGKILL.
  std::chrono::milliseconds stop_grace{3000};
  // A package may unpack to this much at most.
  uint64_t max_unpacked_bytes = uint64_t{4} << 30;
};

// The job's log file in `session_dir`.
std::string JobLogPath(const std::string& session_dir, const std::string& submission_id);
// The placement group holding a job's entrypoint resources.
std::string EntrypointGroupName(const std::string& submission_id);

class JobRunner {
 public:
  JobRunner(gcs::GcsClient& gcs, JobRunnerOptions options);

  // Runs the job to a terminal state and stores it; an error only when the
  // GCS could not be reached to store it.
  absl::Status Run(const std::atomic<bool>& stop_requested);

 private:
  // Reserves the entrypoint's resources; false when stopped while waiting.
  absl::StatusOr<bool> Reserve(JobInfo& job, const std::atomic<bool>& stop_requested);
  void Release();
  // The folder the entrypoint runs in ("" for the supervisor's own).
  absl::StatusOr<std::string> PrepareWorkingDir(const JobInfo& job);
  absl::Status Finish(JobInfo& job, JobStatus status, std::string message, std::string error_type = "");

  gcs::GcsClient& gcs_;
  JobStore store_;
  const JobRunnerOptions options_;
  std::string group_id_;  // binary, once reserved
};

}  // namespace dashboard
}  // namespace photon
