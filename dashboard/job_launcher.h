#pragma once

// JobLauncher: the dashboard's side of running jobs. It starts one
// photon-job-supervisor process per submitted job (job_runner.h), stops a
// job by signalling its supervisor, and watches supervisors: one that died
// without storing its job's end (killed, say) leaves the job FAILED with the
// reason, never RUNNING forever. Supervisors run in sessions of their own,
// so they and their jobs outlive a dashboard restart; a new dashboard finds
// them again through the pids in the KV.
//
//   JobLauncher launcher(jobs, {.gcs_address = ..., .session_dir = ...});
//   RETURN_IF_ERROR(launcher.Launch(job));
//   ASSIGN_OR_RETURN(bool stopped, launcher.Stop("raysubmit_..."));
//   launcher.Reconcile();  // every few seconds
//
// Thread-safe.

#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "dashboard/job_store.h"

namespace photon {
namespace dashboard {

class JobLauncher {
 public:
  struct Options {
    std::string gcs_address;
    std::string token;
    std::string session_dir;
    // The head node's id (hex), asked at each launch: the dashboard may
    // start before the head's raylet has registered.
    std::function<std::string()> head_node_id;
  };
  JobLauncher(JobStore& jobs, Options options) : jobs_(jobs), options_(std::move(options)) {}

  // Starts the job's supervisor. REQUIRES: the job is stored (PENDING).
  absl::Status Launch(const JobInfo& job);

  // True when a stop was sent; false when the job had ended already.
  absl::StatusOr<bool> Stop(const std::string& submission_id);

  // Reaps ended supervisors and fails the jobs of dead ones.
  void Reconcile();

 private:
  // The live supervisor of the job, or 0.
  int SupervisorOf(const JobInfo& job);
  absl::Status FailOrphan(const std::string& submission_id, const std::string& why);

  JobStore& jobs_;
  const Options options_;
  absl::Mutex mu_;
  // Supervisors this dashboard started: submission id -> pid.
  std::map<std::string, int> started_ ABSL_GUARDED_BY(mu_);
};

// True when `pid` is alive and is the supervisor of `submission_id`.
bool IsSupervisorOf(int pid, const std::string& submission_id);

}  // namespace dashboard
}  // namespace photon
