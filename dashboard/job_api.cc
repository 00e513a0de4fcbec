#include "dashboard/job_api.h"

#include <unistd.h>

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/common/session.h"
#include "dashboard/job_details.h"
#include "dashboard/job_runner.h"
#include "dashboard/zip_package.h"
#include "core/common/wall_clock.h"

namespace photon {
namespace dashboard {
namespace {

namespace bhttp = boost::beast::http;

// The job API of the Ray release whose JobSubmissionClient ours matches
// (entrypoint_memory and entrypoint_resources included).
constexpr char kRayVersion[] = "2.9.3";


// "/api/jobs/a/b" -> {"a", "b"} after `prefix`.
std::vector<std::string> Rest(const std::string& path, absl::string_view prefix) {
  absl::string_view rest = path;
  rest.remove_prefix(prefix.size());
  return absl::StrSplit(rest, '/', absl::SkipEmpty());
}

Response MethodNotAllowed(const Request& request) {
  return ErrorResponse(request, absl::InvalidArgumentError(absl::StrCat(
                                    "method ", std::string(request.method_string()), " is not allowed on ",
                                    std::string(request.target()))));
}

}  // namespace

bool JobApi::IsTailPath(const std::string& path) {
  std::vector<std::string> parts = Rest(path, "/api/jobs/");
  return absl::StartsWith(path, "/api/jobs/") && parts.size() == 3 && parts[1] == "logs" && parts[2] == "tail";
}

std::optional<Response> JobApi::Handle(const Request& request, const Target& target) {
  const std::string& path = target.path;
  bhttp::verb method = request.method();
  if (path == "/api/version") {
    return JsonResponse(request, 200,
                        {{"version", "4"}, {"ray_version", kRayVersion}, {"ray_commit", "photon"},
                         {"session_name", d_.session_name}});
  }
  if (absl::StartsWith(path, "/api/packages/")) {
    std::vector<std::string> parts = Rest(path, "/api/packages/");
    if (parts.size() != 2) return ErrorResponse(request, absl::NotFoundError("use /api/packages/{protocol}/{name}"));
    return Package(request, parts[0], parts[1]);
  }
  if (path != "/api/jobs" && !absl::StartsWith(path, "/api/jobs/")) return std::nullopt;
  std::vector<std::string> parts = Rest(path, "/api/jobs");
  if (parts.empty()) {
    if (method == bhttp::verb::post) return Submit(request);
    if (method == bhttp::verb::get) return List(request);
    return MethodNotAllowed(request);
  }
  const std::string& id = parts[0];
  if (parts.size() == 1) {
    if (method == bhttp::verb::get) return Get(request, id);
    if (method == bhttp::verb::delete_) return Delete(request, id);
    return MethodNotAllowed(request);
  }
  if (parts.size() == 2 && parts[1] == "logs" && method == bhttp::verb::get) return Logs(request, id);
  if (parts.size() == 2 && parts[1] == "stop" && method == bhttp::verb::post) return Stop(request, id);
  if (parts.size() == 3 && parts[1] == "logs" && parts[2] == "tail") {
    return ErrorResponse(request, absl::InvalidArgumentError("logs/tail is a WebSocket: send an Upgrade request"));
  }
  return ErrorResponse(request, absl::NotFoundError(absl::StrCat("no such path: ", path)));
}

absl::StatusOr<std::vector<Json>> JobApi::AllDetails() {
  absl::StatusOr<std::vector<JobInfo>> submitted = d_.jobs.List();
  if (!submitted.ok()) return submitted.status();
  absl::StatusOr<std::vector<rpc::JobTableData>> table = d_.gcs.GetAllJobs();
  if (!table.ok()) return table.status();
  return JobDetailsOf(*submitted, *table);
}

absl::StatusOr<Json> JobApi::Details(const std::string& id) {
  absl::StatusOr<std::vector<Json>> all = AllDetails();
  if (!all.ok()) return all.status();
  std::optional<Json> job = FindJobDetails(*all, id);
  if (!job.has_value()) return absl::NotFoundError(absl::StrCat("no job with submission id or job id '", id, "'"));
  return *job;
}

absl::StatusOr<std::string> JobApi::SubmissionIdOf(const std::string& id) {
  absl::StatusOr<Json> job = Details(id);
  if (!job.ok()) return job.status();
  if (!(*job)["submission_id"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job '", id, "' is a driver started outside the job API (photon.init in a script): it has no submission "
                     "to stop, delete or read logs of here"));
  }
  return (*job)["submission_id"].get<std::string>();
}

Response JobApi::Submit(const Request& request) {
  Json body = Json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return ErrorResponse(request, absl::InvalidArgumentError("job submission: body is not JSON"));
  absl::StatusOr<SubmitRequest> submit = ParseSubmitRequest(body);
  if (!submit.ok()) return ErrorResponse(request, submit.status());
  if (submit->submission_id.empty()) submit->submission_id = GenerateSubmissionId();
  const Json& env = submit->runtime_env;
  if (env.contains("working_dir") && env["working_dir"].is_string() &&
      absl::StartsWith(env["working_dir"].get<std::string>(), "gcs://")) {
    absl::StatusOr<std::string> name = PackageStore::NameOfUri(env["working_dir"]);
    absl::StatusOr<bool> exists = name.ok() ? d_.packages.Exists("gcs", *name) : name.status();
    if (!exists.ok()) return ErrorResponse(request, exists.status());
    if (!*exists) {
      return ErrorResponse(request, absl::InvalidArgumentError(absl::StrCat(
                                        "runtime_env.working_dir ", env["working_dir"].get<std::string>(),
                                        " was never uploaded: PUT it to /api/packages/gcs/", *name, " first")));
    }
  }
  JobInfo job = JobInfo::Pending(*submit, UnixMillis());
  if (absl::Status s = d_.jobs.Create(job); !s.ok()) return ErrorResponse(request, s);
  if (absl::Status s = d_.launcher.Launch(job); !s.ok()) {
    job.status = JobStatus::kFailed;
    job.message = absl::StrCat("Job supervisor could not start: ", s.message());
    job.error_type = "JOB_SUPERVISOR_ACTOR_START_FAILURE";
    job.end_time_ms = UnixMillis();
    d_.jobs.Put(job).IgnoreError();
    return ErrorResponse(request, absl::InternalError(job.message));
  }
  return JsonResponse(request, 200, {{"job_id", submit->submission_id}, {"submission_id", submit->submission_id}});
}

Response JobApi::List(const Request& request) {
  absl::StatusOr<std::vector<Json>> all = AllDetails();
  if (!all.ok()) return ErrorResponse(request, all.status());
  return JsonResponse(request, 200, Json(*all));
}

Response JobApi::Get(const Request& request, const std::string& id) {
  absl::StatusOr<Json> job = Details(id);
  if (!job.ok()) return ErrorResponse(request, job.status());
  return JsonResponse(request, 200, *job);
}

Response JobApi::Logs(const Request& request, const std::string& id) {
  absl::StatusOr<std::string> submission = SubmissionIdOf(id);
  if (!submission.ok()) return ErrorResponse(request, submission.status());
  absl::StatusOr<std::string> text = ReadFileToString(JobLogPath(d_.session_dir, *submission));
  return JsonResponse(request, 200, {{"logs", text.ok() ? *text : ""}});
}

Response JobApi::Stop(const Request& request, const std::string& id) {
  absl::StatusOr<std::string> submission = SubmissionIdOf(id);
  if (!submission.ok()) return ErrorResponse(request, submission.status());
  absl::StatusOr<bool> stopped = d_.launcher.Stop(*submission);
  if (!stopped.ok()) return ErrorResponse(request, stopped.status());
  return JsonResponse(request, 200, {{"stopped", *stopped}});
}

Response JobApi::Delete(const Request& request, const std::string& id) {
  absl::StatusOr<std::string> submission = SubmissionIdOf(id);
  if (!submission.ok()) return ErrorResponse(request, submission.status());
  absl::StatusOr<JobInfo> job = d_.jobs.Get(*submission);
  if (!job.ok()) return ErrorResponse(request, job.status());
  if (!IsTerminal(job->status)) {
    return ErrorResponse(request, absl::InvalidArgumentError(absl::StrCat(
                                      "job '", *submission, "' is ", JobStatusName(job->status),
                                      ": only jobs that have ended (STOPPED, SUCCEEDED, FAILED) can be deleted")));
  }
  if (absl::Status s = d_.jobs.Delete(*submission); !s.ok()) return ErrorResponse(request, s);
  unlink(JobLogPath(d_.session_dir, *submission).c_str());
  return JsonResponse(request, 200, {{"deleted", true}});
}

Response JobApi::Package(const Request& request, const std::string& protocol, const std::string& name) {
  if (request.method() == bhttp::verb::get || request.method() == bhttp::verb::head) {
    absl::StatusOr<bool> exists = d_.packages.Exists(protocol, name);
    if (!exists.ok()) return ErrorResponse(request, exists.status());
    if (!*exists) return ErrorResponse(request, absl::NotFoundError(absl::StrCat("package ", protocol, "://", name,
                                                                                 " was never uploaded")));
    return JsonResponse(request, 200, {{"uri", absl::StrCat(protocol, "://", name)}});
  }
  if (request.method() != bhttp::verb::put) return MethodNotAllowed(request);
  if (absl::Status s = PackageStore::CheckName(protocol, name); !s.ok()) return ErrorResponse(request, s);
  if (absl::Status s = CheckZipPackage(request.body(), 8 * d_.max_package_bytes); !s.ok()) {
    return ErrorResponse(request, s);
  }
  if (absl::Status s = d_.packages.Put(protocol, name, request.body()); !s.ok()) return ErrorResponse(request, s);
  return JsonResponse(request, 200, {{"uri", absl::StrCat(protocol, "://", name)}});
}

void JobApi::TailLogs(const Request& request, const Target& target, std::unique_ptr<http::WebSocket> socket) {
  std::string id = Rest(target.path, "/api/jobs/")[0];
  absl::StatusOr<std::string> submission = SubmissionIdOf(id);
  if (!submission.ok()) {
    // Refuse the handshake with the error, as a plain HTTP answer.
    Response response = ErrorResponse(request, submission.status());
    response.keep_alive(false);
    boost::beast::error_code ec;
    bhttp::write(socket->next_layer(), response, ec);
    return;
  }
  JobStore& jobs = d_.jobs;
  std::string sid = *submission;
  d_.tailer.Start(std::move(socket), request, JobLogPath(d_.session_dir, sid), [&jobs, sid] {
    absl::StatusOr<JobInfo> job = jobs.Get(sid);
    if (absl::IsNotFound(job.status())) return true;  // deleted
    return job.ok() && IsTerminal(job->status);
  });
}

}  // namespace dashboard
}  // namespace photon
