#pragma once

// MetricsServer: the raylet's Prometheus endpoint, GET /metrics on
// --metrics-export-port (Ray's default, 8080), for the dashboard and for a
// Prometheus that scrapes each node.
//
// It serves on a thread and an io_context of its own (http::HttpServer),
// so a slow scraper never delays the raylet's loop. It never touches the
// raylet's state: the loop hands it a copy of the node's stats (Publish,
// every second), and each request renders the latest copy
// (MetricsExporter). Like every HTTP endpoint of a cluster, it asks for the
// cluster token, `Authorization: Bearer <token>` (Prometheus:
// `authorization: {credentials_file: ...}` in the scrape config); without
// it 401, with a wrong one 403.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<MetricsServer> metrics,
//                    MetricsServer::Start({.port = 8080, .token = token, .labels = labels}));
//   metrics->Publish(stats);      // from the raylet's loop, whenever it has new figures
//   metrics->Stop();              // or let the destructor do it
//
// Thread-safe.

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "core/http/http_server.h"
#include "proto/raylet.pb.h"
#include "raylet/metrics_exporter.h"

namespace photon {
namespace raylet {

class MetricsServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    // REQUIRES: > 0 (a raylet with --metrics-export-port=0 has no server).
    int port = 8080;
    // Requests must carry it; empty: none is asked for (tests).
    std::string token;
    MetricsExporter::Labels labels;
  };

  // Binds and starts serving. Unavailable naming the port when it is taken.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(Options options);
  ~MetricsServer();

  // The figures the next requests render.
  void Publish(rpc::GetNodeStatsReply stats);
  // Stops serving and joins its thread; idempotent.
  void Stop();
  int port() const { return server_->port(); }

 private:
  explicit MetricsServer(Options options);
  http::Response Handle(const http::Request& request);

  const Options options_;
  const MetricsExporter exporter_;
  boost::asio::io_context io_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  std::mutex mu_;
  rpc::GetNodeStatsReply latest_ ABSL_GUARDED_BY(mu_);
};

}  // namespace raylet
}  // namespace photon
