#include "dashboard/job_launcher.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/binaries.h"
#include "core/common/logging.h"
#include "core/common/process.h"
#include "core/common/session.h"
#include "core/common/wall_clock.h"

namespace photon {
namespace dashboard {
namespace {


// A job whose supervisor never stored its pid is given this long to start.
constexpr int64_t kSupervisorStartMs = 30000;

}  // namespace

bool IsSupervisorOf(int pid, const std::string& submission_id) {
  if (pid <= 0 || !ProcessAlive(pid)) return false;
  absl::StatusOr<std::string> cmdline = ReadFileToString(absl::StrCat("/proc/", pid, "/cmdline"));
  if (!cmdline.ok()) return false;
  std::vector<std::string> args = absl::StrSplit(*cmdline, '\0');
  bool is_supervisor = !args.empty() && absl::EndsWith(args[0], "photon-job-supervisor");
  bool of_job = std::find(args.begin(), args.end(), absl::StrCat("--submission-id=", submission_id)) != args.end();
  return is_supervisor && of_job;
}

absl::Status JobLauncher::Launch(const JobInfo& job) {
  absl::StatusOr<std::string> binary = FindPhotonBinary("photon-job-supervisor");
  if (!binary.ok()) return binary.status();
  const std::string& id = job.request.submission_id;
  SpawnOptions spawn;
  spawn.argv = {*binary, absl::StrCat("--gcs-address=", options_.gcs_address),
                absl::StrCat("--session-dir=", options_.session_dir), absl::StrCat("--submission-id=", id),
                absl::StrCat("--node-id=", options_.head_node_id ? options_.head_node_id() : "")};
  spawn.env = {{"PHOTON_CLUSTER_TOKEN", options_.token}};
  spawn.log_path = absl::StrCat(options_.session_dir, "/logs/job-supervisor-", id, ".log");
  spawn.group = SpawnOptions::Group::kNewSession;
  absl::StatusOr<pid_t> pid = Spawn(spawn);
  if (!pid.ok()) return pid.status();
  absl::MutexLock lock(&mu_);
  started_[id] = *pid;
  return absl::OkStatus();
}

int JobLauncher::SupervisorOf(const JobInfo& job) {
  const std::string& id = job.request.submission_id;
  int pid = job.supervisor_pid;
  {
    absl::MutexLock lock(&mu_);
    auto it = started_.find(id);
    if (it != started_.end()) pid = it->second;
  }
  return IsSupervisorOf(pid, id) ? pid : 0;
}

absl::StatusOr<bool> JobLauncher::Stop(const std::string& submission_id) {
  absl::StatusOr<JobInfo> job = jobs_.Get(submission_id);
  if (!job.ok()) return job.status();
  if (IsTerminal(job->status)) return false;
  int pid = SupervisorOf(*job);
  if (pid > 0) {
    kill(pid, SIGTERM);
    return true;
  }
  // No supervisor: nothing runs, so the stop is immediate.
  job->status = JobStatus::kStopped;
  job->message = "Job was intentionally stopped.";
  job->end_time_ms = UnixMillis();
  if (absl::Status s = jobs_.Put(*job); !s.ok()) return s;
  return true;
}

absl::Status JobLauncher::FailOrphan(const std::string& submission_id, const std::string& why) {
  // Read again: the supervisor stores the end before it exits, so a job that
  // still is not terminal now has lost its supervisor.
  absl::StatusOr<JobInfo> job = jobs_.Get(submission_id);
  if (!job.ok() || IsTerminal(job->status)) return job.status();
  job->status = JobStatus::kFailed;
  job->message = why;
  job->error_type = "JOB_SUPERVISOR_ACTOR_DIED";
  job->end_time_ms = UnixMillis();
  if (job->entrypoint_pid > 0) kill(-job->entrypoint_pid, SIGKILL);
  return jobs_.Put(*job);
}

void JobLauncher::Reconcile() {
  std::map<std::string, int> started;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = started_.begin(); it != started_.end();) {
      if (ReapIfExited(it->second).has_value()) {
        it = started_.erase(it);
      } else {
        ++it;
      }
    }
    started = started_;
  }
  absl::StatusOr<std::vector<JobInfo>> jobs = jobs_.List();
  if (!jobs.ok()) return;
  for (const JobInfo& job : *jobs) {
    if (IsTerminal(job.status) || SupervisorOf(job) > 0) continue;
    const std::string& id = job.request.submission_id;
    if (job.supervisor_pid == 0 && started.count(id) == 0 && UnixMillis() - job.start_time_ms < kSupervisorStartMs) {
      continue;  // its supervisor may be starting (another dashboard's, before a restart)
    }
    if (job.supervisor_pid == 0 && started.count(id) > 0) continue;
    std::string why = job.supervisor_pid > 0
                          ? absl::StrCat("Job supervisor (pid ", job.supervisor_pid,
                                         ") exited before the job ended; see logs/job-supervisor-", id, ".log")
                          : "Job supervisor never started; see the dashboard's log";
    absl::Status s = FailOrphan(id, why);
    if (!s.ok()) PHOTON_LOG(WARNING) << "job " << id << ": " << s;
  }
}

}  // namespace dashboard
}  // namespace photon
