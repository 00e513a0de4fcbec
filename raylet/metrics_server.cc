#include "raylet/metrics_server.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "core/http/prometheus_text.h"
#include "core/rpc/auth.h"

namespace photon {
namespace raylet {

namespace bhttp = boost::beast::http;

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(Options options) {
  std::unique_ptr<MetricsServer> metrics(new MetricsServer(std::move(options)));
  MetricsServer* raw = metrics.get();
  http::HttpServer::Options http;
  http.host = raw->options_.host;
  http.port = raw->options_.port;
  http.body_limit = 4096;  // GETs only
  http.max_connections = 64;
  raw->server_ = std::make_unique<http::HttpServer>(raw->io_, http,
                                                    [raw](const http::Request& r) { return raw->Handle(r); });
  absl::Status started = raw->server_->Start();
  if (!started.ok()) return started;
  raw->thread_ = std::thread([raw] {
    pthread_setname_np(pthread_self(), "raylet-metrics");
    raw->io_.run();
  });
  return metrics;
}

MetricsServer::MetricsServer(Options options) : options_(std::move(options)), exporter_(options_.labels) {}

MetricsServer::~MetricsServer() { Stop(); }

void MetricsServer::Stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
  server_->Stop();  // (io_ has stopped)
}

void MetricsServer::Publish(rpc::GetNodeStatsReply stats) {
  std::lock_guard<std::mutex> lock(mu_);
  latest_ = std::move(stats);
}

http::Response MetricsServer::Handle(const http::Request& request) {
  if (request.target() != "/metrics") {
    return http::TextResponse(request, 404, "not found: this port serves GET /metrics only\n");
  }
  if (request.method() != bhttp::verb::get) {
    http::Response r = http::TextResponse(request, 405, "GET /metrics only\n");
    r.set(bhttp::field::allow, "GET");
    return r;
  }
  if (!options_.token.empty()) {
    absl::string_view given(request[bhttp::field::authorization].data(), request[bhttp::field::authorization].size());
    if (!absl::ConsumePrefix(&given, "Bearer ") && !absl::ConsumePrefix(&given, "bearer ")) {
      http::Response r = http::TextResponse(
          request, 401, "this endpoint needs the cluster token: send 'Authorization: Bearer <token>'\n");
      r.set(bhttp::field::www_authenticate, "Bearer");
      return r;
    }
    if (!rpc::TokensEqual(std::string(given), options_.token)) {
      return http::TextResponse(request, 403, "wrong cluster token\n");
    }
  }
  rpc::GetNodeStatsReply stats;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats = latest_;
  }
  return http::MakeResponse(request, 200, exporter_.Render(stats), http::kPrometheusContentType);
}

}  // namespace raylet
}  // namespace photon
