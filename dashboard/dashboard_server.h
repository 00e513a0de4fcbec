#pragma once

// DashboardServer: photon-dashboard's front door. Every request passes the
// checks of request_auth.h (browser origin, then the cluster token, except
// the public health checks and UI files) and then goes to the part that
// serves its path: the job API, the state API, the metrics, the UI.
//
//   GET  /api/healthz, /api/gcs_healthz     no token ("success")
//   POST /api/authenticate {"token": ...}   sets the UI's HttpOnly cookie
//   /api/version, /api/jobs..., /api/packages...   JobApi (Ray's job REST API)
//   /api/v0/..., /api/logs                  StateApi
//   GET  /api/cluster_metrics               MetricsHistory (the UI's plots)
//   GET  /api/autoscaler                    the autoscaler's report (GCS)
//   GET  /metrics                           Prometheus text of the cluster
//   GET  /, /index.html, /static/...        the web UI (ui_files.h)
//
//   DashboardServer server({...});
//   Response r = server.Handle(request);          // HttpServer's Handler
//   server.Upgrade(request, std::move(socket));   // its UpgradeHandler
//
// Thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "dashboard/http_util.h"
#include "dashboard/job_api.h"
#include "dashboard/metrics_history.h"
#include "dashboard/state_api.h"

namespace photon {
namespace dashboard {

class DashboardServer {
 public:
  struct Deps {
    gcs::GcsClient& gcs;
    JobApi& jobs;
    StateApi& state;
    ClusterView& view;
    MetricsHistory& history;
    std::string token;
    // Host names (besides IP addresses and localhost) browsers may use.
    std::vector<std::string> allowed_hosts;
  };
  explicit DashboardServer(Deps deps) : d_(std::move(deps)) {}

  Response Handle(const Request& request);
  void Upgrade(const Request& request, std::unique_ptr<http::WebSocket> socket);

 private:
  // Applies the origin and token checks; the refusal, if any.
  std::optional<Response> Refusal(const Request& request, const Target& target);
  Response Route(const Request& request, const Target& target);
  Response Authenticate(const Request& request);
  // GET /api/autoscaler: the autoscaler's last report ({"running": false} without one).
  Response Autoscaler(const Request& request);
  Response StaticFile(const Request& request, const Target& target);

  Deps d_;
};

}  // namespace dashboard
}  // namespace photon
