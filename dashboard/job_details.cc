#include "dashboard/job_details.h"

#include <algorithm>
#include <map>

#include "absl/strings/escaping.h"

namespace photon {
namespace dashboard {
namespace {

constexpr char kSubmissionKey[] = "job_submission_id";

std::string JobIdHex(const rpc::JobTableData& job) { return absl::BytesToHexString(job.job_id()); }

Json DriverInfo(const rpc::JobTableData& job) {
  return {{"id", JobIdHex(job)}, {"node_ip_address", job.driver_ip()}, {"pid", std::to_string(job.driver_pid())}};
}

Json FromSubmission(const JobInfo& info, const rpc::JobTableData* driver) {
  Json json = info.ToJson();
  json.erase("supervisor_pid");
  json.erase("entrypoint_pid");
  json["type"] = "SUBMISSION";
  json["job_id"] = driver != nullptr ? Json(JobIdHex(*driver)) : Json();
  json["driver_info"] = driver != nullptr ? DriverInfo(*driver) : Json();
  json["driver_agent_http_address"] = Json();
  if (info.driver_node_id.empty()) json["driver_node_id"] = Json();
  return json;
}

Json FromDriver(const rpc::JobTableData& job) {
  std::string status = !job.is_dead() ? "RUNNING" : job.end_reason().empty() ? "SUCCEEDED" : "FAILED";
  return {
      {"type", "DRIVER"},
      {"job_id", JobIdHex(job)},
      {"submission_id", Json()},
      {"driver_info", DriverInfo(job)},
      {"status", status},
      {"entrypoint", job.entrypoint()},
      {"message", job.is_dead() ? (job.end_reason().empty() ? "Job finished." : job.end_reason())
                                : "Job is currently running."},
      {"error_type", job.end_reason().empty() ? Json() : Json("DRIVER_FAILURE")},
      {"start_time", job.start_time_ms()},
      {"end_time", job.is_dead() ? Json(job.end_time_ms()) : Json()},
      {"metadata", std::map<std::string, std::string>(job.metadata().begin(), job.metadata().end())},
      {"runtime_env", Json::object()},
      {"driver_agent_http_address", Json()},
      {"driver_node_id", Json()},
      {"driver_exit_code", Json()},
      {"entrypoint_num_cpus", Json()},
      {"entrypoint_num_gpus", Json()},
      {"entrypoint_memory", Json()},
      {"entrypoint_resources", Json()},
  };
}

}  // namespace

std::vector<Json> JobDetailsOf(const std::vector<JobInfo>& submitted, const std::vector<rpc::JobTableData>& table) {
  std::map<std::string, const rpc::JobTableData*> driver_of;  // submission id -> its latest driver
  for (const rpc::JobTableData& job : table) {
    auto it = job.metadata().find(kSubmissionKey);
    if (it == job.metadata().end()) continue;
    const rpc::JobTableData*& known = driver_of[it->second];
    if (known == nullptr || known->start_time_ms() <= job.start_time_ms()) known = &job;
  }
  std::vector<Json> out;
  for (const JobInfo& info : submitted) {
    auto it = driver_of.find(info.request.submission_id);
    out.push_back(FromSubmission(info, it == driver_of.end() ? nullptr : it->second));
  }
  for (const rpc::JobTableData& job : table) {
    if (job.metadata().count(kSubmissionKey) == 0) out.push_back(FromDriver(job));
  }
  std::stable_sort(out.begin(), out.end(), [](const Json& a, const Json& b) {
    return a["start_time"].get<int64_t>() < b["start_time"].get<int64_t>();
  });
  return out;
}

std::optional<Json> FindJobDetails(const std::vector<Json>& jobs, const std::string& id) {
  for (const Json& job : jobs) {
    if ((job["submission_id"].is_string() && job["submission_id"] == id) ||
        (job["job_id"].is_string() && job["job_id"] == id)) {
      return job;
    }
  }
  return std::nullopt;
}

}  // namespace dashboard
}  // namespace photon
