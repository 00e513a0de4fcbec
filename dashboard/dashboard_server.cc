#include "dashboard/dashboard_server.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/http/prometheus_text.h"
#include "core/rpc/auth.h"
#include "dashboard/cluster_metrics.h"
#include "dashboard/request_auth.h"
#include "dashboard/ui_files.h"

namespace photon {
namespace dashboard {
namespace {

namespace bhttp = boost::beast::http;

std::string ContentTypeOf(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".svg", "image/svg+xml"},
      {".png", "image/png"},                 {".json", "application/json"},
      {".ico", "image/x-icon"}};
  for (const auto& [suffix, type] : kTypes) {
    if (absl::EndsWith(path, suffix)) return type;
  }
  return "text/plain; charset=utf-8";
}

// What every answer carries: no framing by other sites (clickjacking), no
// content sniffing, no referrer leaving the dashboard.
void Harden(Response& response) {
  response.set("X-Frame-Options", "DENY");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "same-origin");
}

}  // namespace

Response DashboardServer::Handle(const Request& request) {
  Target target = ParseTarget(std::string(request.target()));
  Response response;
  try {
    response = Route(request, target);
  } catch (const std::exception& e) {
    PHOTON_LOG(ERROR) << "dashboard: " << target.path << " failed: " << e.what();
    response = ErrorResponse(request, absl::InternalError(absl::StrCat("internal error serving ", target.path, ": ",
                                                                       e.what())));
  }
  Harden(response);
  return response;
}

std::optional<Response> DashboardServer::Refusal(const Request& request, const Target& target) {
  if (absl::Status s = CheckBrowserOrigin(request, d_.allowed_hosts); !s.ok()) return ErrorResponse(request, s);
  if (target.path == "/api/authenticate") return std::nullopt;
  if (request.method() == bhttp::verb::get && IsPublicPath(target.path)) return std::nullopt;
  if (absl::Status s = CheckToken(request, d_.token); !s.ok()) return ErrorResponse(request, s);
  return std::nullopt;
}

Response DashboardServer::Route(const Request& request, const Target& target) {
  if (std::optional<Response> refused = Refusal(request, target)) return *refused;
  const std::string& path = target.path;
  if (path == "/api/healthz") return http::TextResponse(request, 200, "success");
  if (path == "/api/gcs_healthz") {
    absl::Status gcs = d_.gcs.GetAllNodes().status();
    if (!gcs.ok()) return http::TextResponse(request, 503, absl::StrCat("GCS not answering: ", gcs.message()));
    return http::TextResponse(request, 200, "success");
  }
  if (path == "/api/authenticate") return Authenticate(request);
  if (std::optional<Response> r = d_.jobs.Handle(request, target)) return *r;
  if (std::optional<Response> r = d_.state.Handle(request, target)) return *r;
  if (path == "/api/cluster_metrics") return JsonResponse(request, 200, d_.history.ToJson());
  if (path == "/api/autoscaler") return Autoscaler(request);
  if (path == "/metrics") {
    absl::StatusOr<ClusterSnapshot> snapshot = d_.view.Collect();
    if (!snapshot.ok()) return ErrorResponse(request, snapshot.status());
    return http::MakeResponse(request, 200, ClusterPrometheusText(*snapshot), http::kPrometheusContentType);
  }
  if (request.method() == bhttp::verb::get && IsPublicPath(path)) return StaticFile(request, target);
  return ErrorResponse(request, absl::NotFoundError(absl::StrCat("no such path: ", path)));
}

Response DashboardServer::Autoscaler(const Request& request) {
  absl::StatusOr<rpc::GetClusterStatusReply> status = d_.gcs.GetClusterStatus();
  if (!status.ok()) return ErrorResponse(request, status.status());
  Json report = Json::parse(status->autoscaler_report(), nullptr, /*allow_exceptions=*/false);
  // No autoscaler runs (or it never reported): say so, with nothing else.
  if (!report.is_object()) report = Json::object();
  report["running"] = !status->autoscaler_report().empty();
  return JsonResponse(request, 200, report);
}

Response DashboardServer::Authenticate(const Request& request) {
  if (request.method() != bhttp::verb::post) {
    return ErrorResponse(request, absl::InvalidArgumentError("POST {\"token\": ...} to /api/authenticate"));
  }
  Json body = Json::parse(request.body(), nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("token") || !body["token"].is_string()) {
    return ErrorResponse(request, absl::InvalidArgumentError("the body must be {\"token\": \"<cluster token>\"}"));
  }
  if (!rpc::TokensEqual(body["token"].get<std::string>(), d_.token)) {
    return ErrorResponse(request, absl::PermissionDeniedError("wrong cluster token"));
  }
  Response response = JsonResponse(request, 200, {{"authenticated", true}});
  response.set(bhttp::field::set_cookie, LoginCookie(d_.token));
  return response;
}

Response DashboardServer::StaticFile(const Request& request, const Target& target) {
  std::string name = target.path == "/" ? "index.html" : target.path.substr(1);
  const std::map<std::string, std::string>& files = UiFiles();
  auto it = files.find(name);
  if (it == files.end()) return ErrorResponse(request, absl::NotFoundError(absl::StrCat("no such file: ", name)));
  Response response = http::MakeResponse(request, 200, it->second, ContentTypeOf(name));
  if (absl::EndsWith(name, ".html")) {
    response.set("Content-Security-Policy",
                 "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                 "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  }
  return response;
}

void DashboardServer::Upgrade(const Request& request, std::unique_ptr<http::WebSocket> socket) {
  Target target = ParseTarget(std::string(request.target()));
  std::optional<Response> refused = Refusal(request, target);
  if (!refused && !JobApi::IsTailPath(target.path)) {
    refused = ErrorResponse(request, absl::NotFoundError(absl::StrCat("no WebSocket at ", target.path)));
  }
  if (refused) {
    refused->keep_alive(false);
    boost::beast::error_code ec;
    bhttp::write(socket->next_layer(), *refused, ec);
    return;
  }
  d_.jobs.TailLogs(request, target, std::move(socket));
}

}  // namespace dashboard
}  // namespace photon
