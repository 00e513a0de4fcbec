// photon-dashboard: the head's HTTP front door on port 8265 (the job API and
// its supervisors, the web UI, cluster metrics). `photon start --head` runs
// it; see `photon-dashboard --help` for its flags.

#include <iostream>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "core/common/daemon.h"
#include "core/common/flags.h"
#include "core/common/logging.h"
#include "dashboard/dashboard_server.h"

namespace {

using namespace photon;
using namespace photon::dashboard;

std::string HeadNodeId(gcs::GcsClient& gcs, const std::string& session_dir) {
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = gcs.GetAllNodes();
  if (!nodes.ok()) return "";
  for (const rpc::GcsNodeInfo& node : *nodes) {
    if (node.state() == rpc::GcsNodeInfo::ALIVE && (node.is_head() || node.session_dir() == session_dir)) {
      return absl::BytesToHexString(node.node_id());
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  BlockTerminationSignals();
  FlagSet flags("photon-dashboard", "The Photon dashboard: job API, web UI and metrics over HTTP.");
  flags.AddString("gcs-address", "", "HOST:PORT of the GCS");
  flags.AddString("host", "127.0.0.1", "address to listen on (0.0.0.0 for every interface)");
  flags.AddInt("port", 8265, "HTTP port (0: any free port)");
  flags.AddString("session-dir", "", "the head's session directory (logs, token)");
  flags.AddString("allowed-hosts", "", "comma-separated host names browsers may reach the dashboard by "
                                       "(IP addresses and localhost always work)");
  flags.AddInt("max-package-bytes", 100 << 20, "largest working_dir package a client may upload");
  flags.AddInt("metrics-interval-ms", 5000, "time between samples of the UI's plots");
  flags.AddInt("threads", 8, "threads serving requests");
  flags.AddBool("help", false, "print this help");
  absl::Status parsed = flags.Parse(argc, argv);
  if (!parsed.ok() || flags.GetBool("help") || flags.GetString("gcs-address").empty()) {
    if (!parsed.ok()) std::cerr << "photon-dashboard: " << parsed.message() << "\n\n";
    if (parsed.ok() && !flags.GetBool("help")) std::cerr << "photon-dashboard: --gcs-address is required\n\n";
    std::cerr << flags.Usage();
    return parsed.ok() && flags.GetBool("help") ? 0 : 2;
  }
  const std::string session_dir = flags.GetString("session-dir");
  InitDaemonLogging("dashboard", session_dir);
  absl::StatusOr<std::string> token = DaemonToken(session_dir);
  if (!token.ok()) {
    std::cerr << "photon-dashboard: " << token.status().message() << "\n";
    return 1;
  }
  const std::string gcs_address = flags.GetString("gcs-address");
  const uint64_t max_package = static_cast<uint64_t>(flags.GetInt("max-package-bytes"));

  gcs::GcsClient gcs({.address = gcs_address, .token = *token, .retry = {}});
  JobStore jobs(gcs);
  PackageStore packages(gcs);
  JobLauncher launcher(jobs, {.gcs_address = gcs_address,
                              .token = *token,
                              .session_dir = session_dir,
                              .head_node_id = [&gcs, session_dir] { return HeadNodeId(gcs, session_dir); }});
  LogTailer tailer({});
  std::string session_name = session_dir.substr(session_dir.find_last_of('/') + 1);
  JobApi job_api({.gcs = gcs, .jobs = jobs, .packages = packages, .launcher = launcher, .tailer = tailer,
                  .session_dir = session_dir, .session_name = session_name, .max_package_bytes = max_package});
  ClusterView view(gcs, *token);
  StateApi state_api(gcs, view);
  MetricsHistory history(view, {.interval = std::chrono::milliseconds(flags.GetInt("metrics-interval-ms"))});
  std::vector<std::string> allowed = absl::StrSplit(flags.GetString("allowed-hosts"), ',', absl::SkipEmpty());
  DashboardServer dashboard({.gcs = gcs, .jobs = job_api, .state = state_api, .view = view, .history = history,
                             .token = *token, .allowed_hosts = allowed});

  boost::asio::io_context io;
  http::HttpServer::Options options;
  options.host = flags.GetString("host");
  options.port = static_cast<int>(flags.GetInt("port"));
  options.body_limit_for = [max_package](const http::RequestHeader& header) -> uint64_t {
    return header.method() == boost::beast::http::verb::put ? max_package : 1 << 20;
  };
  http::HttpServer server(io, options, [&dashboard](const http::Request& r) { return dashboard.Handle(r); });
  server.SetUpgradeHandler([&dashboard](const http::Request& r, std::unique_ptr<http::WebSocket> socket) {
    dashboard.Upgrade(r, std::move(socket));
  });
  if (absl::Status s = server.Start(); !s.ok()) {
    PHOTON_LOG(ERROR) << "dashboard failed to start: " << s;
    std::cerr << "photon-dashboard: " << s.message() << " (--port, --host)\n";
    return 1;
  }
  PHOTON_LOG(INFO) << "dashboard on http://" << options.host << ":" << server.port() << " (GCS " << gcs_address << ")";
  std::cout << "photon-dashboard listening on http://" << options.host << ":" << server.port() << std::endl;
  history.Start();
  std::vector<std::thread> threads;
  for (int64_t i = 0; i < flags.GetInt("threads"); i++) threads.emplace_back([&io] { io.run(); });
  std::atomic<bool> stopping{false};
  std::thread reconciler([&] {
    while (!stopping.load()) {
      launcher.Reconcile();
      for (int i = 0; i < 20 && !stopping.load(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  int sig = WaitForTerminationSignal();
  PHOTON_LOG(INFO) << "dashboard stopping on signal " << sig << " (submitted jobs keep running)";
  stopping = true;
  io.stop();
  for (std::thread& t : threads) t.join();
  reconciler.join();
  return 0;
}
