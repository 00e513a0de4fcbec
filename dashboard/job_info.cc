#include "dashboard/job_info.h"

#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace photon {
namespace dashboard {
namespace {

constexpr const char* kStatusNames[] = {"PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"};

absl::Status WrongType(const std::string& field, const std::string& wanted, const Json& got) {
  return absl::InvalidArgumentError(
      absl::StrCat("job submission: '", field, "' must be ", wanted, ", not ", got.type_name(), " ", got.dump()));
}

absl::StatusOr<std::map<std::string, std::string>> StringMap(const std::string& field, const Json& value) {
  if (!value.is_object()) return WrongType(field, "an object of strings", value);
  std::map<std::string, std::string> out;
  for (auto& [key, v] : value.items()) {
    if (!v.is_string()) return WrongType(absl::StrCat(field, ".", key), "a string", v);
    out[key] = v.get<std::string>();
  }
  return out;
}

absl::StatusOr<double> NonNegative(const std::string& field, const Json& value) {
  if (!value.is_number() || value.get<double>() < 0) return WrongType(field, "a number >= 0", value);
  return value.get<double>();
}

absl::Status CheckRuntimeEnv(const Json& env) {
  if (!env.is_object()) return WrongType("runtime_env", "an object", env);
  for (auto& [key, value] : env.items()) {
    if (value.is_null()) continue;
    if (key == "working_dir") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return WrongType("runtime_env.working_dir", "a non-empty string", value);
      }
    } else if (key == "env_vars") {
      absl::StatusOr<std::map<std::string, std::string>> vars = StringMap("runtime_env.env_vars", value);
      if (!vars.ok()) return vars.status();
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "job submission: runtime_env field '", key,
          "' is not supported by Photon (supported: working_dir, env_vars; install packages in the image instead)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string JobStatusName(JobStatus status) { return kStatusNames[static_cast<int>(status)]; }

absl::StatusOr<JobStatus> ParseJobStatus(const std::string& name) {
  for (int i = 0; i < 5; i++) {
    if (name == kStatusNames[i]) return static_cast<JobStatus>(i);
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown job status '", name, "'"));
}

bool IsTerminal(JobStatus status) {
  return status == JobStatus::kStopped || status == JobStatus::kSucceeded || status == JobStatus::kFailed;
}

absl::Status CheckSubmissionId(const std::string& id) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok || id == "." || id == "..") {
    return absl::InvalidArgumentError(absl::StrCat("job submission: bad submission_id '", id,
                                                   "': use 1-128 characters of letters, digits, '.', '_' and '-'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<SubmitRequest> ParseSubmitRequest(const Json& body) {
  if (!body.is_object()) return absl::InvalidArgumentError("job submission: the body must be a JSON object");
  static const std::set<std::string> kKnown = {
      "entrypoint",          "submission_id",       "job_id",           "runtime_env",         "metadata",
      "entrypoint_num_cpus", "entrypoint_num_gpus", "entrypoint_memory", "entrypoint_resources"};
  SubmitRequest out;
  std::string job_id;
  for (auto& [key, value] : body.items()) {
    if (value.is_null()) continue;
    if (kKnown.count(key) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("job submission: unknown field '", key,
                                                     "' (known: ", absl::StrJoin(kKnown, ", "), ")"));
    }
    if (key == "entrypoint" || key == "submission_id" || key == "job_id") {
      if (!value.is_string()) return WrongType(key, "a string", value);
      (key == "entrypoint" ? out.entrypoint : key == "job_id" ? job_id : out.submission_id) = value.get<std::string>();
    } else if (key == "runtime_env") {
      if (absl::Status s = CheckRuntimeEnv(value); !s.ok()) return s;
      out.runtime_env = value;
    } else if (key == "metadata") {
      absl::StatusOr<std::map<std::string, std::string>> metadata = StringMap(key, value);
      if (!metadata.ok()) return metadata.status();
      out.metadata = *std::move(metadata);
    } else if (key == "entrypoint_memory") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) return WrongType(key, "an integer >= 0", value);
      out.entrypoint_memory = value.get<int64_t>();
    } else if (key == "entrypoint_resources") {
      if (!value.is_object()) return WrongType(key, "an object of numbers", value);
      for (auto& [name, amount] : value.items()) {
        absl::StatusOr<double> n = NonNegative(absl::StrCat(key, ".", name), amount);
        if (!n.ok()) return n.status();
        out.entrypoint_resources[name] = *n;
      }
    } else {
      absl::StatusOr<double> n = NonNegative(key, value);
      if (!n.ok()) return n.status();
      (key == "entrypoint_num_cpus" ? out.entrypoint_num_cpus : out.entrypoint_num_gpus) = *n;
    }
  }
  if (out.entrypoint.empty()) return absl::InvalidArgumentError("job submission: 'entrypoint' is required");
  if (!job_id.empty() && !out.submission_id.empty() && job_id != out.submission_id) {
    return absl::InvalidArgumentError(absl::StrCat("job submission: job_id '", job_id, "' and submission_id '",
                                                   out.submission_id, "' differ (job_id is its old name)"));
  }
  if (out.submission_id.empty()) out.submission_id = job_id;
  if (!out.submission_id.empty()) {
    if (absl::Status s = CheckSubmissionId(out.submission_id); !s.ok()) return s;
  }
  return out;
}

std::string GenerateSubmissionId() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::random_device random;
  std::string id = "raysubmit_";
  for (int i = 0; i < 16; i++) id += kChars[random() % (sizeof(kChars) - 1)];
  return id;
}

JobInfo JobInfo::Pending(SubmitRequest request, int64_t now_ms) {
  JobInfo job;
  job.request = std::move(request);
  job.start_time_ms = now_ms;
  job.message = "Job has not started yet. It may be waiting for resources (CPUs, GPUs, memory, custom resources) "
                "to become available.";
  return job;
}

Json JobInfo::ToJson() const {
  Json json = {
      {"submission_id", request.submission_id},
      {"entrypoint", request.entrypoint},
      {"runtime_env", request.runtime_env},
      {"metadata", request.metadata},
      {"entrypoint_num_cpus", request.entrypoint_num_cpus},
      {"entrypoint_num_gpus", request.entrypoint_num_gpus},
      {"entrypoint_memory", request.entrypoint_memory},
      {"entrypoint_resources", request.entrypoint_resources},
      {"status", JobStatusName(status)},
      {"message", message},
      {"error_type", error_type.empty() ? Json() : Json(error_type)},
      {"start_time", start_time_ms},
      {"end_time", end_time_ms == 0 ? Json() : Json(end_time_ms)},
      {"driver_exit_code", driver_exit_code.has_value() ? Json(*driver_exit_code) : Json()},
      {"driver_node_id", driver_node_id},
      {"supervisor_pid", supervisor_pid},
      {"entrypoint_pid", entrypoint_pid},
  };
  return json;
}

absl::StatusOr<JobInfo> JobInfo::FromJson(const Json& json) {
  try {
    JobInfo job;
    job.request.submission_id = json.at("submission_id").get<std::string>();
    job.request.entrypoint = json.at("entrypoint").get<std::string>();
    job.request.runtime_env = json.value("runtime_env", Json::object());
    job.request.metadata = json.value("metadata", std::map<std::string, std::string>{});
    job.request.entrypoint_num_cpus = json.value("entrypoint_num_cpus", 0.0);
    job.request.entrypoint_num_gpus = json.value("entrypoint_num_gpus", 0.0);
    job.request.entrypoint_memory = json.value("entrypoint_memory", int64_t{0});
    job.request.entrypoint_resources = json.value("entrypoint_resources", std::map<std::string, double>{});
    absl::StatusOr<JobStatus> status = ParseJobStatus(json.at("status").get<std::string>());
    if (!status.ok()) return status.status();
    job.status = *status;
    job.message = json.value("message", "");
    if (json.contains("error_type") && json["error_type"].is_string()) job.error_type = json["error_type"];
    job.start_time_ms = json.value("start_time", int64_t{0});
    if (json.contains("end_time") && json["end_time"].is_number()) job.end_time_ms = json["end_time"];
    if (json.contains("driver_exit_code") && json["driver_exit_code"].is_number()) {
      job.driver_exit_code = json["driver_exit_code"].get<int>();
    }
    job.driver_node_id = json.value("driver_node_id", "");
    job.supervisor_pid = json.value("supervisor_pid", 0);
    job.entrypoint_pid = json.value("entrypoint_pid", 0);
    return job;
  } catch (const Json::exception& e) {
    return absl::DataLossError(absl::StrCat("stored job info is malformed: ", e.what()));
  }
}

}  // namespace dashboard
}  // namespace photon
