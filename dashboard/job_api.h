#pragma once

// JobApi: Ray's Job REST API on the dashboard (the shapes Ray's
// JobSubmissionClient and `ray job` use), over the job store, the package
// store and the launcher:
//
//   GET  /api/version                   POST /api/jobs/        GET /api/jobs/
//   GET  /api/jobs/{id}                 GET  /api/jobs/{id}/logs
//   POST /api/jobs/{id}/stop            DELETE /api/jobs/{id}
//   GET|PUT /api/packages/{protocol}/{name}
//   GET  /api/jobs/{id}/logs/tail       (WebSocket: TailLogs)
//
// {id} is a submission id or a driver's job id. Errors are {"error": ...}
// with Ray's codes (400 bad or duplicate submission, 404 unknown job).
//
//   JobApi api({.gcs = gcs, .jobs = jobs, ...});
//   if (std::optional<Response> r = api.Handle(request, target)) return *r;
//
// Thread-safe.

#include <optional>
#include <string>

#include "dashboard/http_util.h"
#include "dashboard/job_launcher.h"
#include "dashboard/job_store.h"
#include "dashboard/log_tail.h"
#include "dashboard/package_store.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace dashboard {

class JobApi {
 public:
  struct Deps {
    gcs::GcsClient& gcs;
    JobStore& jobs;
    PackageStore& packages;
    JobLauncher& launcher;
    LogTailer& tailer;
    std::string session_dir;   // the head's: logs/job-driver-<id>.log
    std::string session_name;  // for /api/version
    uint64_t max_package_bytes;
  };
  explicit JobApi(Deps deps) : d_(std::move(deps)) {}

  // The answer to a request under /api/version, /api/jobs or /api/packages;
  // nullopt for any other path.
  std::optional<Response> Handle(const Request& request, const Target& target);

  // True for the log-tail WebSocket path; then TailLogs takes the socket.
  static bool IsTailPath(const std::string& path);
  void TailLogs(const Request& request, const Target& target, std::unique_ptr<http::WebSocket> socket);

 private:
  Response Submit(const Request& request);
  Response List(const Request& request);
  Response Get(const Request& request, const std::string& id);
  Response Logs(const Request& request, const std::string& id);
  Response Stop(const Request& request, const std::string& id);
  Response Delete(const Request& request, const std::string& id);
  Response Package(const Request& request, const std::string& protocol, const std::string& name);

  // Every job's details; the one named `id` (NotFound naming it).
  absl::StatusOr<std::vector<Json>> AllDetails();
  absl::StatusOr<Json> Details(const std::string& id);
  // The submission id of `id` (itself, or the submission a driver job id belongs to).
  absl::StatusOr<std::string> SubmissionIdOf(const std::string& id);

  Deps d_;
};

}  // namespace dashboard
}  // namespace photon
