#pragma once

// JobInfo: what the dashboard keeps about one submitted job (Ray's JobInfo),
// stored as JSON in the GCS's internal KV so that a dashboard restart, or a
// head restart on Redis, loses nothing (job_store.h). The job's supervisor
// (job_runner.h) moves it through its states:
//
//   PENDING --> RUNNING --> SUCCEEDED | FAILED | STOPPED   (terminal: never change)
//       \_________________________/^  (stop, or a failure before it ran)
//
//   ASSIGN_OR_RETURN(SubmitRequest submit, ParseSubmitRequest(body_json));
//   JobInfo job = JobInfo::Pending(submit, now_ms);
//
// Thread-compatible.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"

namespace photon {
namespace dashboard {

using Json = nlohmann::json;

enum class JobStatus { kPending, kRunning, kStopped, kSucceeded, kFailed };
std::string JobStatusName(JobStatus status);
absl::StatusOr<JobStatus> ParseJobStatus(const std::string& name);
bool IsTerminal(JobStatus status);

// A POST /api/jobs/ body, checked.
struct SubmitRequest {
  std::string entrypoint;
  std::string submission_id;  // empty: the dashboard makes one
  Json runtime_env = Json::object();  // working_dir (str), env_vars (str -> str)
  std::map<std::string, std::string> metadata;
  // Reserved on the head for the entrypoint's lifetime (0: nothing).
  double entrypoint_num_cpus = 0;
  double entrypoint_num_gpus = 0;
  int64_t entrypoint_memory = 0;
  std::map<std::string, double> entrypoint_resources;
};

// InvalidArgument naming the field for: a body that is not an object, an
// unknown key, a value of the wrong type, a missing entrypoint, a bad id, an
// unsupported runtime_env field. Keys whose value is null count as absent;
// `job_id` is the deprecated spelling of `submission_id`.
absl::StatusOr<SubmitRequest> ParseSubmitRequest(const Json& body);

// OK for 1-128 characters of [A-Za-z0-9._-] (ids name log files).
absl::Status CheckSubmissionId(const std::string& id);

// "raysubmit_" + 16 random characters of [a-zA-Z0-9], as Ray makes them.
std::string GenerateSubmissionId();

struct JobInfo {
  SubmitRequest request;
  JobStatus status = JobStatus::kPending;
  std::string message;
  std::string error_type;  // empty: none
  int64_t start_time_ms = 0;
  int64_t end_time_ms = 0;  // 0: not ended
  std::optional<int> driver_exit_code;
  std::string driver_node_id;  // hex, once running
  int supervisor_pid = 0;      // on the head
  int entrypoint_pid = 0;

  static JobInfo Pending(SubmitRequest request, int64_t now_ms);

  Json ToJson() const;
  static absl::StatusOr<JobInfo> FromJson(const Json& json);
};

}  // namespace dashboard
}  // namespace photon
