#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "cli/command_flags.h"
#include "cli/commands.h"
#include "core/common/binaries.h"
#include "core/common/flags.h"
#include "core/common/free_port.h"
#include "core/common/process.h"
#include "core/common/session.h"
#include "core/common/wall_clock.h"
#include "gcs/autoscaler_state_service.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace cli {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr int kDefaultMetricsPort = 8080;  // Ray's

// The raylet's metrics port: the flag's, except that the default 8080, when
// taken (another node's raylet on this machine, say), becomes a free port.
absl::StatusOr<int> MetricsExportPort(const FlagSet& flags) {
  const int port = static_cast<int>(flags.GetInt("metrics-export-port"));
  if (port != kDefaultMetricsPort || !PortInUse(port)) return port;
  return PickFreePort();
}

void AddFlags(FlagSet& flags) {
  flags.AddBool("head", false, "start a head node: GCS and raylet");
  flags.AddString("address", "", "HOST:PORT of the head's GCS to join as a worker node");
  flags.AddInt("port", 6379, "GCS port (head only)");
  flags.AddString("node-ip-address", "127.0.0.1", "address other nodes reach this node at");
  flags.AddInt("raylet-port", 0, "raylet gRPC port (0: any free port)");
  flags.AddDouble("num-cpus", -1, "CPUs to offer (default: the machine's cores)");
  flags.AddDouble("num-gpus", -1, "GPUs to offer (default: detected NVIDIA GPUs, else 0)");
  flags.AddInt("memory", -1, "bytes of memory for tasks (default: available RAM minus the object store)");
  flags.AddInt("object-store-memory", -1, "bytes for the object store (default: 30% of RAM, capped by /dev/shm)");
  flags.AddString("resources", "", "custom resources as JSON, e.g. '{\"special\": 2}'");
  flags.AddString("object-spilling-directory", "", "where objects spill to disk (default: in the session directory)");
  flags.AddInt("object-manager-port", 0, "TCP port for object transfers between nodes (0: any free port)");
  flags.AddString("node-labels", "", "labels of this node as a JSON object of strings (the autoscaler sets "
                                     "photon.io/node-type and photon.io/instance-id)");
  flags.AddInt("max-workers", 0, "task worker processes at most, blocked ones included (0: 8 per CPU, at least 64)");
  flags.AddInt("metrics-export-port", kDefaultMetricsPort,
               "the raylet's Prometheus port, GET /metrics (8080, or a free one when 8080 is taken; 0: none)");
  flags.AddString("storage", "memory", "GCS storage (head only): memory, or redis://HOST:PORT");
  flags.AddInt("health-check-period-ms", 1000, "GCS health check period (head only)");
  flags.AddInt("health-check-timeout-ms", 1000, "GCS health check deadline (head only)");
  flags.AddInt("health-check-failure-threshold", 5, "failed checks that make a node DEAD (head only)");
  flags.AddBool("include-dashboard", true, "start the dashboard (job API, web UI, metrics) on the head");
  flags.AddString("dashboard-host", "127.0.0.1", "address the dashboard listens on (0.0.0.0: every interface)");
  flags.AddInt("dashboard-port", 8265, "the dashboard's HTTP port (head only)");
  flags.AddString("dashboard-allowed-hosts", "",
                  "comma-separated host names a browser may use to change state on the dashboard (IP addresses "
                  "and localhost always may)");
  flags.AddString("autoscaling-config", "", "head only: run photon-autoscaler with this YAML config "
                                            "(see deploy/autoscaler-local.yaml)");
  flags.AddBool("block", false, "stay in the foreground; Ctrl-C stops this node's processes");
}

struct Started {
  std::string name;  // pid file name
  int pid;
  std::string output;
};

// The last lines a daemon wrote, indented under the error that quotes them.
std::string IndentedTail(const std::string& path) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(TailOfFile(path, 15), '\n', absl::SkipEmpty())) {
    absl::StrAppend(&out, "  ", line, "\n");
  }
  return out;
}

// Fails with the daemon's last output lines if it exited; `when` says when
// ("during startup").
absl::Status CheckAlive(const Started& p, const std::string& when = "during startup") {
  std::optional<ExitStatus> exited = ReapIfExited(p.pid);
  if (!exited.has_value()) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(p.name, " exited ", when, " (", exited->ToString(), "); its output (",
                                          p.output, "):\n", IndentedTail(p.output)));
}

absl::StatusOr<Started> StartDaemon(const Session& session, const std::string& binary_name,
                                    const std::string& pid_name, const std::vector<std::string>& args) {
  absl::StatusOr<std::string> binary = FindPhotonBinary(binary_name);
  if (!binary.ok()) return binary.status();
  // A daemon: its own session (it outlives this command), output to its log.
  SpawnOptions daemon;
  daemon.argv = {*binary};
  daemon.argv.insert(daemon.argv.end(), args.begin(), args.end());
  daemon.log_path = absl::StrCat(session.logs_dir(), "/", pid_name, ".out");
  daemon.group = SpawnOptions::Group::kNewSession;
  absl::StatusOr<pid_t> pid = Spawn(daemon);
  if (!pid.ok()) return pid.status();
  absl::Status written = session.WritePid(pid_name, *pid);
  if (!written.ok()) return written;
  return Started{pid_name, *pid, daemon.log_path};
}

// Waits until `node_id` is ALIVE in the GCS at `address`; returns its entry.
absl::StatusOr<rpc::GcsNodeInfo> WaitForNode(gcs::GcsClient& client, const NodeID& node_id,
                                             const std::vector<Started>& processes) {
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  absl::Status last = absl::DeadlineExceededError("no answer yet");
  while (std::chrono::steady_clock::now() < deadline) {
    for (const Started& p : processes) {
      absl::Status alive = CheckAlive(p);
      if (!alive.ok()) return alive;
    }
    absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client.GetAllNodes();
    if (nodes.ok()) {
      for (const rpc::GcsNodeInfo& n : *nodes) {
        if (n.node_id() == node_id.Binary() && n.state() == rpc::GcsNodeInfo::ALIVE) return n;
      }
      last = absl::NotFoundError("the node has not registered yet");
    } else {
      last = nodes.status();
      // A wrong token will not fix itself.
      if (last.code() == absl::StatusCode::kUnauthenticated) return last;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat("node ", node_id.Hex(), " did not join within ",
                                                  kStartTimeout.count(), " s: ", last.message()));
}

// Waits until the autoscaler has reported its first loop to the GCS (a report
// stamped after now), or fails with its output when it exits (a config it
// cannot read ends it at once).
absl::Status WaitForAutoscaler(gcs::GcsClient& client, const Started& autoscaler) {
  const int64_t since_ms = UnixMillis();
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (absl::Status alive = CheckAlive(autoscaler); !alive.ok()) return alive;
    absl::StatusOr<std::string> report = client.KvGet(gcs::kAutoscalerNamespace, gcs::kReportKey);
    if (report.ok()) {
      nlohmann::json json = nlohmann::json::parse(*report, nullptr, /*allow_exceptions=*/false);
      if (json.is_object() && json.value("time_ms", int64_t{0}) >= since_ms) return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the autoscaler reported no decision within ", kStartTimeout.count(), " s; see ", autoscaler.output));
}

// Starts the dashboard and waits until it listens; returns its port.
absl::StatusOr<int> StartDashboard(const FlagSet& flags, const Session& session, const std::string& gcs_address,
                                   std::vector<Started>& started) {
  int port = static_cast<int>(flags.GetInt("dashboard-port"));
  if (port == 0) {
    absl::StatusOr<int> free = PickFreePort();
    if (!free.ok()) return free.status();
    port = *free;
  }
  absl::StatusOr<Started> dashboard = StartDaemon(
      session, "photon-dashboard", "dashboard",
      {"--gcs-address=" + gcs_address, "--host=" + flags.GetString("dashboard-host"), absl::StrCat("--port=", port),
       "--session-dir=" + session.dir(), "--allowed-hosts=" + flags.GetString("dashboard-allowed-hosts")});
  if (!dashboard.ok()) return dashboard.status();
  started.push_back(*dashboard);
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!PortInUse(port)) {
    if (absl::Status alive = CheckAlive(*dashboard); !alive.ok()) return alive;
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("the dashboard did not listen on port ", port, " within ",
                                                      kStartTimeout.count(), " s"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return port;
}

std::vector<std::string> RayletArgs(const FlagSet& flags, const Session& session, const std::string& gcs_address,
                                    const NodeID& node_id, bool head, int metrics_port) {
  std::vector<std::string> args = {
      "--gcs-address=" + gcs_address,
      "--node-ip=" + flags.GetString("node-ip-address"),
      absl::StrCat("--port=", flags.GetInt("raylet-port")),
      "--node-id=" + node_id.Hex(),
      absl::StrCat("--num-cpus=", flags.GetDouble("num-cpus")),
      absl::StrCat("--num-gpus=", flags.GetDouble("num-gpus")),
      absl::StrCat("--memory=", flags.GetInt("memory")),
      absl::StrCat("--object-store-memory=", flags.GetInt("object-store-memory")),
      "--resources=" + flags.GetString("resources"),
      "--session-dir=" + session.dir(),
      std::string("--head=") + (head ? "true" : "false"),
      absl::StrCat("--object-manager-port=", flags.GetInt("object-manager-port")),
      absl::StrCat("--max-workers=", flags.GetInt("max-workers")),
      absl::StrCat("--metrics-export-port=", metrics_port),
  };
  if (!flags.GetString("object-spilling-directory").empty()) {
    args.push_back("--object-spilling-directory=" + flags.GetString("object-spilling-directory"));
  }
  if (!flags.GetString("node-labels").empty()) args.push_back("--node-labels=" + flags.GetString("node-labels"));
  return args;
}

// Stays in the foreground until a signal or a child's death; stops them all.
int Block(const std::vector<Started>& processes) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int code = 0;
  while (true) {
    timespec wait = {0, 200 * 1000 * 1000};
    if (sigtimedwait(&set, nullptr, &wait) > 0) break;
    bool died = false;
    for (const Started& p : processes) {
      absl::Status alive = CheckAlive(p, "while photon start --block was watching it");
      if (!alive.ok()) {
        std::cerr << "photon: " << alive.message() << "\n";
        died = true;
      }
    }
    if (died) {
      code = 1;
      break;
    }
  }
  // Newest first, one at a time: the dashboard and the raylet go while the
  // GCS is still there (the raylet unregisters).
  for (auto it = processes.rbegin(); it != processes.rend(); ++it) TerminateAll({it->pid}, std::chrono::seconds(10));
  std::cout << "Stopped this node's Photon processes.\n";
  return code;
}

int Fail(const std::string& message, const std::vector<Started>& started) {
  std::cerr << "photon start: " << message << "\n";
  std::vector<pid_t> pids;
  for (const Started& p : started) pids.push_back(p.pid);
  TerminateAll(pids, std::chrono::seconds(5));
  return 1;
}

// Exit code 1 or 2 with a message when the ports cannot be used; -1 when they can.
int CheckPorts(const FlagSet& flags, bool head, int port) {
  if (head && (port <= 0 || port > 65535)) {
    std::cerr << "photon start: --port " << port << " is not a TCP port\n";
    return 2;
  }
  if (head && PortInUse(port)) {
    std::cerr << "photon start: port " << port
              << " is already in use (another Photon head, or Redis?); choose another with --port\n";
    return 1;
  }
  if (head && flags.GetBool("include-dashboard")) {
    int dp = static_cast<int>(flags.GetInt("dashboard-port"));
    if (dp < 0 || dp > 65535) {
      std::cerr << "photon start: --dashboard-port " << dp << " is not a TCP port\n";
      return 2;
    }
    if (dp != 0 && PortInUse(dp)) {
      std::cerr << "photon start: dashboard port " << dp
                << " is already in use (another Photon or Ray dashboard?); choose another with --dashboard-port, "
                   "or --include-dashboard=false\n";
      return 1;
    }
  }
  if (int rp = static_cast<int>(flags.GetInt("raylet-port")); rp != 0 && PortInUse(rp)) {
    std::cerr << "photon start: raylet port " << rp << " is already in use\n";
    return 1;
  }
  if (int mp = static_cast<int>(flags.GetInt("metrics-export-port")); mp < 0 || mp > 65535) {
    std::cerr << "photon start: --metrics-export-port " << mp << " is not a TCP port\n";
    return 2;
  } else if (mp != 0 && mp != kDefaultMetricsPort && PortInUse(mp)) {
    std::cerr << "photon start: metrics port " << mp
              << " is already in use; choose another with --metrics-export-port, or 0 for none\n";
    return 1;
  }
  return -1;
}

// A head makes the cluster's token (or takes PHOTON_CLUSTER_TOKEN); a node
// that joins finds it.
absl::StatusOr<std::string> ClusterToken(bool head) {
  if (!head) return ResolveClusterToken();
  const char* env = std::getenv("PHOTON_CLUSTER_TOKEN");
  if (env != nullptr && *env != '\0') return std::string(env);
  return Session::GenerateToken();
}

// A new session directory holding the token and the GCS address.
absl::StatusOr<Session> CreateSession(const std::string& token, const std::string& gcs_address) {
  absl::StatusOr<Session> session = Session::Create();
  if (!session.ok()) return session.status();
  if (absl::Status wrote = session->WriteToken(token); !wrote.ok()) return wrote;
  if (absl::Status wrote = session->WriteGcsAddress(gcs_address); !wrote.ok()) return wrote;
  return session;
}

std::vector<std::string> GcsArgs(const FlagSet& flags, const Session& session, int port) {
  return {absl::StrCat("--port=", port), "--storage=" + flags.GetString("storage"), "--session-dir=" + session.dir(),
          absl::StrCat("--health-check-period-ms=", flags.GetInt("health-check-period-ms")),
          absl::StrCat("--health-check-timeout-ms=", flags.GetInt("health-check-timeout-ms")),
          absl::StrCat("--health-check-failure-threshold=", flags.GetInt("health-check-failure-threshold"))};
}

// The session's `ports` file, read by `photon status` and the tests.
absl::Status WritePorts(const Session& session, const rpc::GcsNodeInfo& node, bool head, int port,
                        int dashboard_port) {
  std::string ports = absl::StrCat("raylet=", node.raylet_port(), "\nobject_manager=", node.object_manager_port(),
                                   "\nmetrics=", node.metrics_export_port(), "\n");
  if (head) ports = absl::StrCat("gcs=", port, "\n", ports);
  if (dashboard_port > 0) absl::StrAppend(&ports, "dashboard=", dashboard_port, "\n");
  return WriteFileAtomically(session.dir() + "/ports", ports, 0644);
}

void PrintStarted(const FlagSet& flags, const Session& session, const std::string& gcs_address,
                  const rpc::GcsNodeInfo& node, bool head, const std::string& dashboard_url) {
  std::cout << "Photon " << (head ? "head node" : "node") << " started.\n"
            << "  GCS:      " << gcs_address << (head ? " (storage: " + flags.GetString("storage") + ")" : "")
            << "\n  Node:     " << NodeID::FromBinary(node.node_id()).value_or(NodeID::Nil()).Hex()
            << " (raylet port " << node.raylet_port() << ")\n  Session:  " << session.dir() << "\n";
  if (!dashboard_url.empty()) {
    std::cout << "  Dashboard: " << dashboard_url << " (jobs: `photon job submit -- python script.py`; the UI asks for "
              << "the token in " << session.token_path() << ")\n";
  }
  if (head) {
    std::cout << "To add a node, run on it:\n"
              << "  PHOTON_CLUSTER_TOKEN=<contents of " << session.token_path()
              << "> photon start --address " << gcs_address << "\n";
  }
  std::cout << "See the cluster with `photon status`; stop it with `photon stop`.\n";
}

}  // namespace

int RunStart(const std::vector<std::string>& args) {
  FlagSet flags("photon start", "Start Photon on this machine: a head node, or a node that joins one.");
  AddFlags(flags);
  if (int exit_code = ParseCommandFlags(flags, args); exit_code >= 0) return exit_code;
  if (flags.GetBool("head") == !flags.GetString("address").empty()) {
    return UsageError(flags, "give exactly one of --head or --address HOST:PORT");
  }
  const bool head = flags.GetBool("head");
  const int port = static_cast<int>(flags.GetInt("port"));
  if (int exit_code = CheckPorts(flags, head, port); exit_code >= 0) return exit_code;
  absl::StatusOr<std::string> token = ClusterToken(head);
  if (!token.ok()) return Fail(std::string(token.status().message()), {});
  const std::string gcs_address =
      head ? absl::StrCat(flags.GetString("node-ip-address"), ":", port) : flags.GetString("address");
  absl::StatusOr<Session> session = CreateSession(*token, gcs_address);
  if (!session.ok()) return Fail(std::string(session.status().message()), {});

  std::vector<Started> started;
  if (head) {
    absl::StatusOr<Started> gcs = StartDaemon(*session, "photon-gcs", "gcs", GcsArgs(flags, *session, port));
    if (!gcs.ok()) return Fail(std::string(gcs.status().message()), started);
    started.push_back(*gcs);
  }
  NodeID node_id = NodeID::FromRandom();
  std::string raylet_name = head ? "raylet" : "raylet-" + node_id.Hex().substr(0, 8);
  absl::StatusOr<int> metrics_port = MetricsExportPort(flags);
  if (!metrics_port.ok()) return Fail(std::string(metrics_port.status().message()), started);
  absl::StatusOr<Started> raylet = StartDaemon(*session, "photon-raylet", raylet_name,
                                               RayletArgs(flags, *session, gcs_address, node_id, head, *metrics_port));
  if (!raylet.ok()) return Fail(std::string(raylet.status().message()), started);
  started.push_back(*raylet);

  rpc::RetryPolicy retry;
  retry.max_attempts = 1;
  retry.attempt_timeout = std::chrono::milliseconds(2000);
  gcs::GcsClient client({gcs_address, *token, retry});
  absl::StatusOr<rpc::GcsNodeInfo> joined = WaitForNode(client, node_id, started);
  if (!joined.ok()) return Fail(std::string(joined.status().message()), started);
  std::string dashboard_url;
  int dashboard_port = 0;
  if (head && flags.GetBool("include-dashboard")) {
    absl::StatusOr<int> port_used = StartDashboard(flags, *session, gcs_address, started);
    if (!port_used.ok()) return Fail(std::string(port_used.status().message()), started);
    dashboard_port = *port_used;
    dashboard_url = absl::StrCat("http://", flags.GetString("dashboard-host"), ":", dashboard_port);
  }
  if (head && !flags.GetString("autoscaling-config").empty()) {
    std::error_code ec;
    std::string config = std::filesystem::absolute(flags.GetString("autoscaling-config"), ec).string();
    absl::StatusOr<Started> autoscaler =
        StartDaemon(*session, "photon-autoscaler", "autoscaler",
                    {"--gcs-address=" + gcs_address, "--config=" + config, "--session-dir=" + session->dir()});
    if (!autoscaler.ok()) return Fail(std::string(autoscaler.status().message()), started);
    started.push_back(*autoscaler);
    if (absl::Status up = WaitForAutoscaler(client, *autoscaler); !up.ok()) return Fail(std::string(up.message()), started);
  }
  if (absl::Status wrote = WritePorts(*session, *joined, head, port, dashboard_port); !wrote.ok()) {
    return Fail(std::string(wrote.message()), started);
  }
  PrintStarted(flags, *session, gcs_address, *joined, head, dashboard_url);
  if (flags.GetBool("block")) return Block(started);
  return 0;
}

}  // namespace cli
}  // namespace photon
