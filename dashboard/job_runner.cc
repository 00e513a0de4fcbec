#include "dashboard/job_runner.h"

#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/id.h"
#include "core/common/logging.h"
#include "core/common/process.h"
#include "core/common/session.h"
#include "dashboard/package_store.h"
#include "dashboard/zip_package.h"
#include "core/common/wall_clock.h"

namespace photon {
namespace dashboard {
namespace {

using std::chrono::milliseconds;


// The last `max_chars` of the log, as Ray quotes it in a failed job's message.
std::string LogTail(const std::string& path, size_t max_chars) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return "";
  return text->size() <= max_chars ? *text : text->substr(text->size() - max_chars);
}

std::string Describe(const std::map<std::string, double>& resources) {
  std::vector<std::string> parts;
  for (const auto& [name, amount] : resources) parts.push_back(absl::StrCat(name, ": ", amount));
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

}  // namespace

std::string JobLogPath(const std::string& session_dir, const std::string& submission_id) {
  return absl::StrCat(session_dir, "/logs/job-driver-", submission_id, ".log");
}

std::string EntrypointGroupName(const std::string& submission_id) {
  return absl::StrCat("_job_entrypoint_", submission_id);
}

JobRunner::JobRunner(gcs::GcsClient& gcs, JobRunnerOptions options)
    : gcs_(gcs), store_(gcs), options_(std::move(options)) {}

absl::StatusOr<bool> JobRunner::Reserve(JobInfo& job, const std::atomic<bool>& stop_requested) {
  std::map<std::string, double> wanted = job.request.entrypoint_resources;
  if (job.request.entrypoint_num_cpus > 0) wanted["CPU"] = job.request.entrypoint_num_cpus;
  if (job.request.entrypoint_num_gpus > 0) wanted["GPU"] = job.request.entrypoint_num_gpus;
  if (job.request.entrypoint_memory > 0) wanted["memory"] = static_cast<double>(job.request.entrypoint_memory);
  if (wanted.empty()) return true;
  rpc::PlacementGroupTableData group;
  PlacementGroupID id = PlacementGroupID::Of(JobID::Nil());
  group.set_placement_group_id(id.Binary());
  group.set_name(EntrypointGroupName(options_.submission_id));
  group.set_strategy(rpc::STRICT_PACK);
  group.set_detached(true);
  rpc::Bundle* bundle = group.add_bundles();
  for (const auto& [name, amount] : wanted) (*bundle->mutable_resources()->mutable_amounts())[name] = amount;
  // Pinned to the head, where the entrypoint runs.
  (*bundle->mutable_resources()->mutable_amounts())["node:__internal_head__"] = 0.001;
  absl::StatusOr<rpc::PlacementGroupState> state = gcs_.CreatePlacementGroup(group);
  if (!state.ok()) return state.status();
  group_id_ = id.Binary();
  job.message = absl::StrCat("Job is waiting for its entrypoint resources ", Describe(wanted),
                             " to be free on the head node.");
  if (absl::Status s = store_.Put(job); !s.ok()) return s;
  while (!stop_requested.load()) {
    absl::StatusOr<bool> ready = gcs_.WaitPlacementGroupReady(id, milliseconds(500));
    if (ready.ok() && *ready) return true;
    if (!ready.ok() && !absl::IsDeadlineExceeded(ready.status()) && !absl::IsUnavailable(ready.status())) {
      return ready.status();
    }
  }
  return false;
}

void JobRunner::Release() {
  if (group_id_.empty()) return;
  absl::StatusOr<PlacementGroupID> id = PlacementGroupID::FromBinary(group_id_);
  if (id.ok()) gcs_.RemovePlacementGroup(*id).IgnoreError();
  group_id_.clear();
}

absl::StatusOr<std::string> JobRunner::PrepareWorkingDir(const JobInfo& job) {
  const Json& env = job.request.runtime_env;
  if (!env.contains("working_dir") || !env["working_dir"].is_string()) return std::string();
  std::string dir = env["working_dir"];
  if (absl::StartsWith(dir, "gcs://")) {
    PackageStore packages(gcs_);
    absl::StatusOr<std::string> name = PackageStore::NameOfUri(dir);
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> bytes = packages.Get("gcs", *name);
    if (!bytes.ok()) return bytes.status();
    std::string stem = name->substr(0, name->size() - 4);  // without ".zip"
    std::string root = absl::StrCat(options_.session_dir, "/runtime_resources/working_dir_files");
    if (absl::Status s = MakeDirectories(root); !s.ok()) return s;
    std::string target = absl::StrCat(root, "/", stem);
    if (absl::Status s = UnpackZipPackage(*bytes, target, options_.max_unpacked_bytes); !s.ok()) return s;
    return target;
  }
  struct stat info;
  if (dir[0] != '/' || stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "working_dir '", dir, "' is not a folder on the head node (give an absolute path there, or a local folder "
        "to `photon job submit --working-dir`, which uploads it)"));
  }
  return dir;
}

absl::Status JobRunner::Finish(JobInfo& job, JobStatus status, std::string message, std::string error_type) {
  Release();
  job.status = status;
  job.message = std::move(message);
  job.error_type = std::move(error_type);
  job.end_time_ms = UnixMillis();
  return store_.Put(job);
}

absl::Status JobRunner::Run(const std::atomic<bool>& stop_requested) {
  absl::StatusOr<JobInfo> loaded = store_.Get(options_.submission_id);
  if (!loaded.ok()) return loaded.status();
  JobInfo job = *std::move(loaded);
  if (IsTerminal(job.status)) return absl::OkStatus();
  job.supervisor_pid = getpid();
  if (absl::Status s = store_.Put(job); !s.ok()) return s;

  absl::StatusOr<bool> reserved = Reserve(job, stop_requested);
  if (!reserved.ok()) {
    return Finish(job, JobStatus::kFailed,
                  absl::StrCat("Job could not reserve its entrypoint resources: ", reserved.status().message()),
                  "JOB_SUPERVISOR_ACTOR_START_FAILURE");
  }
  if (!*reserved) return Finish(job, JobStatus::kStopped, "Job was intentionally stopped.");
  absl::StatusOr<std::string> dir = PrepareWorkingDir(job);
  if (!dir.ok()) {
    return Finish(job, JobStatus::kFailed, absl::StrCat("runtime_env setup failed: ", dir.status().message()),
                  "RUNTIME_ENV_SETUP_FAILED");
  }

  SpawnOptions spawn;
  spawn.argv = {"/bin/sh", "-c", job.request.entrypoint};
  spawn.log_path = JobLogPath(options_.session_dir, options_.submission_id);
  spawn.group = SpawnOptions::Group::kNewProcessGroup;
  spawn.die_with_parent = true;
  // Without a working_dir: the head's session folder, not wherever the
  // dashboard happened to start.
  spawn.cwd = dir->empty() ? options_.session_dir : *dir;
  spawn.env = {{"PHOTON_ADDRESS", options_.gcs_address},
               {"RAY_ADDRESS", options_.gcs_address},
               {"PHOTON_CLUSTER_TOKEN", options_.token},
               {"PHOTON_JOB_SUBMISSION_ID", options_.submission_id},
               {"RAY_JOB_SUBMISSION_ID", options_.submission_id},
               {"PYTHONUNBUFFERED", "1"}};
  if (!dir->empty()) {
    const char* path = std::getenv("PYTHONPATH");
    spawn.env.push_back({"PYTHONPATH", path != nullptr && *path ? absl::StrCat(*dir, ":", path) : *dir});
  }
  if (job.request.runtime_env.contains("env_vars")) {
    for (auto& [name, value] : job.request.runtime_env["env_vars"].items()) {
      spawn.env.push_back({name, value.get<std::string>()});
    }
  }
  absl::StatusOr<pid_t> pid = Spawn(spawn);
  if (!pid.ok()) {
    return Finish(job, JobStatus::kFailed, absl::StrCat("Job could not start: ", pid.status().message()),
                  "JOB_ENTRYPOINT_COMMAND_START_ERROR");
  }
  job.status = JobStatus::kRunning;
  job.message = "Job is currently running.";
  job.entrypoint_pid = *pid;
  job.driver_node_id = options_.node_id;
  if (absl::Status s = store_.Put(job); !s.ok()) PHOTON_LOG(WARNING) << "job " << options_.submission_id << ": " << s;

  std::optional<ExitStatus> exit;
  bool stopping = false;
  auto kill_deadline = std::chrono::steady_clock::time_point::max();
  while (!(exit = ReapIfExited(*pid)).has_value()) {
    if (stop_requested.load() && !stopping) {
      stopping = true;
      kill(-*pid, SIGTERM);
      kill_deadline = std::chrono::steady_clock::now() + options_.stop_grace;
    }
    if (std::chrono::steady_clock::now() >= kill_deadline) kill(-*pid, SIGKILL);
    std::this_thread::sleep_for(milliseconds(50));
  }
  job.driver_exit_code = exit->signal > 0 ? -exit->signal : exit->exit_code;
  if (stopping) {
    // The shell may be gone while what it started ignores SIGTERM: the
    // whole group gets the rest of the grace period, then SIGKILL.
    while (kill(-*pid, 0) == 0 && std::chrono::steady_clock::now() < kill_deadline) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    kill(-*pid, SIGKILL);
    return Finish(job, JobStatus::kStopped, "Job was intentionally stopped.");
  }
  if (exit->signal == 0 && exit->exit_code == 0) return Finish(job, JobStatus::kSucceeded, "Job finished successfully.");
  std::string how = exit->signal > 0 ? absl::StrCat("was killed by signal ", exit->signal)
                                     : absl::StrCat("failed with exit code ", exit->exit_code);
  return Finish(job, JobStatus::kFailed,
                absl::StrCat("Job entrypoint command ", how, ", last available logs (truncated to 20,000 chars):\n",
                             LogTail(spawn.log_path, 20000)),
                "JOB_ENTRYPOINT_COMMAND_ERROR");
}

}  // namespace dashboard
}  // namespace photon
