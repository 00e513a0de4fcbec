// photon-gcs: the global control store daemon. `photon start --head` runs it;
// see `photon-gcs --help` for its flags.

#include <iostream>

#include "core/common/daemon.h"
#include "core/common/event_loop.h"
#include "core/common/flags.h"
#include "core/common/logging.h"
#include "gcs/gcs_server.h"

int main(int argc, char** argv) {
  using namespace photon;
  BlockTerminationSignals();
  FlagSet flags("photon-gcs", "The Photon global control store (GCS).");
  flags.AddString("host", "0.0.0.0", "address to listen on");
  flags.AddInt("port", 6379, "gRPC port");
  flags.AddString("storage", "memory", "table storage: memory, or redis://HOST:PORT to survive restarts");
  flags.AddString("session-dir", "", "session directory for logs and the token file");
  flags.AddInt("health-check-period-ms", 1000, "time between health checks of each raylet");
  flags.AddInt("health-check-timeout-ms", 1000, "deadline of one health check");
  flags.AddInt("health-check-failure-threshold", 5, "failed checks in a row that make a node DEAD");
  flags.AddBool("help", false, "print this help");
  absl::Status parsed = flags.Parse(argc, argv);
  if (!parsed.ok() || flags.GetBool("help") || !flags.positional().empty()) {
    if (!parsed.ok()) std::cerr << "photon-gcs: " << parsed.message() << "\n\n";
    std::cerr << flags.Usage();
    return parsed.ok() && flags.GetBool("help") ? 0 : 2;
  }
  const std::string session_dir = flags.GetString("session-dir");
  InitDaemonLogging("gcs", session_dir);

  absl::StatusOr<std::string> token = DaemonToken(session_dir);
  if (!token.ok()) {
    std::cerr << "photon-gcs: " << token.status().message() << "\n";
    return 1;
  }
  gcs::GcsServer::Options options;
  options.host = flags.GetString("host");
  options.port = static_cast<int>(flags.GetInt("port"));
  options.storage = flags.GetString("storage");
  options.token = *token;
  options.health.period_ms = flags.GetInt("health-check-period-ms");
  options.health.timeout_ms = flags.GetInt("health-check-timeout-ms");
  options.health.failure_threshold = static_cast<int>(flags.GetInt("health-check-failure-threshold"));
  if (options.health.period_ms <= 0 || options.health.timeout_ms <= 0 ||
      options.health.failure_threshold <= 0) {
    std::cerr << "photon-gcs: health check period, timeout and threshold must be positive\n";
    return 2;
  }

  EventLoop loop;
  gcs::GcsServer server(options, loop);
  absl::Status started = server.Start();
  if (!started.ok()) {
    PHOTON_LOG(ERROR) << "GCS failed to start: " << started;
    std::cerr << "photon-gcs: " << started.message() << "\n";
    return 1;
  }
  loop.StartThread("gcs-loop");
  int sig = WaitForTerminationSignal();
  PHOTON_LOG(INFO) << "GCS stopping on signal " << sig;
  server.Stop();
  loop.Stop();
  return 0;
}
