#include "tests/cluster_fixture.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/common/free_port.h"
#include "core/common/process.h"
#include "core/common/session.h"
#include "tests/subprocess.h"

namespace photon {
namespace testing {

absl::StatusOr<std::unique_ptr<Cluster>> Cluster::Start(Options options) {
  struct statvfs shm;
  const int64_t wanted = options.object_store_bytes * std::max(1, options.num_nodes);
  if (statvfs("/dev/shm", &shm) != 0 ||
      static_cast<int64_t>(shm.f_bavail) * static_cast<int64_t>(shm.f_frsize) < wanted) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this test needs ", wanted, " bytes free in /dev/shm for its object stores, but /dev/shm has ",
        static_cast<int64_t>(shm.f_bavail) * static_cast<int64_t>(shm.f_frsize),
        "; enlarge /dev/shm (docker: --shm-size)"));
  }
  std::unique_ptr<Cluster> cluster(new Cluster(options));
  const char* tmp = std::getenv("TEST_TMPDIR");
  static int counter = 0;
  cluster->log_dir_ = absl::StrCat(tmp ? tmp : "/tmp", "/cluster-", getpid(), "-", counter++);
  mkdir(cluster->log_dir_.c_str(), 0755);
  // Unix socket paths must stay under 108 bytes, so sockets live in /tmp.
  cluster->socket_dir_ = absl::StrCat("/tmp/photon-test-", getpid(), "-", counter);
  mkdir(cluster->socket_dir_.c_str(), 0700);
  absl::StatusOr<std::string> token = Session::GenerateToken();
  if (!token.ok()) return token.status();
  cluster->token_ = *token;
  absl::StatusOr<int> port = PickFreePort();
  if (!port.ok()) return port.status();
  cluster->gcs_port_ = *port;
  cluster->gcs_address_ = absl::StrCat("127.0.0.1:", cluster->gcs_port_);
  rpc::RetryPolicy retry;
  retry.max_attempts = 3;
  retry.attempt_timeout = std::chrono::milliseconds(5000);
  cluster->client_ = std::make_unique<gcs::GcsClient>(
      gcs::GcsClient::Options{cluster->gcs_address_, cluster->token_, retry});
  absl::Status started = cluster->StartGcs();
  if (!started.ok()) return started;
  for (int i = 0; i < options.num_nodes; i++) {
    absl::StatusOr<NodeID> node = cluster->AddNode(options.cpus_per_node);
    if (!node.ok()) return node.status();
  }
  return cluster;
}

Cluster::~Cluster() {
  std::vector<int> pids = raylet_pids_;
  if (gcs_pid_ > 0) pids.push_back(gcs_pid_);
  for (int pid : pids) kill(pid, SIGKILL);
  for (int pid : pids) WaitForExit(pid);
  // Killed raylets never unlink their sockets.
  std::error_code ignored;
  std::filesystem::remove_all(socket_dir_, ignored);
}

absl::StatusOr<int> Cluster::Spawn(const std::vector<std::string>& argv, const std::string& log_name) {
  SpawnOptions options;
  options.argv = argv;
  options.env = {{"PHOTON_CLUSTER_TOKEN", token_}};
  options.log_path = log_dir_ + "/" + log_name + ".log";
  options.die_with_parent = true;
  return photon::Spawn(options);
}

absl::Status Cluster::StartGcs() {
  const std::vector<std::string> argv = {
      PhotonBinary("gcs/photon-gcs"), absl::StrCat("--port=", gcs_port_),
      "--host=127.0.0.1", "--storage=" + options_.storage,
      absl::StrCat("--health-check-period-ms=", options_.health_check_period_ms),
      absl::StrCat("--health-check-timeout-ms=", options_.health_check_timeout_ms),
      absl::StrCat("--health-check-failure-threshold=", options_.health_check_failure_threshold)};
  absl::StatusOr<int> pid = Spawn(argv, "gcs");
  if (!pid.ok()) return pid.status();
  gcs_pid_ = *pid;
  gcs_starts_++;
  return WaitForGcs(std::chrono::seconds(20));
}

absl::Status Cluster::WaitForGcs(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  absl::Status last;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReapIfExited(gcs_pid_).has_value()) {
      gcs_pid_ = -1;
      return absl::InternalError("photon-gcs exited during startup; log:\n" + ReadLog("gcs"));
    }
    last = client_->GetAllNodes().status();
    if (last.ok()) return absl::OkStatus();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError("GCS did not answer: " + std::string(last.message()) +
                                     "; log:\n" + ReadLog("gcs"));
}

absl::StatusOr<NodeID> Cluster::AddNode(double cpus, const std::string& resources_json) {
  NodeID node = NodeID::FromRandom();
  int index = static_cast<int>(raylet_pids_.size());
  // Each raylet's metrics on a port of its own (8080 would be taken by the second).
  absl::StatusOr<int> metrics_port = PickFreePort();
  if (!metrics_port.ok()) return metrics_port.status();
  const std::vector<std::string> argv = {
      PhotonBinary("raylet/photon-raylet"), "--gcs-address=" + gcs_address_,
      "--node-ip=127.0.0.1", "--node-id=" + node.Hex(), absl::StrCat("--num-cpus=", cpus),
      "--num-gpus=0", "--memory=1073741824",
      absl::StrCat("--object-store-memory=", options_.object_store_bytes),
      absl::StrCat("--object-spilling-directory=", log_dir_, "/spill-", index),
      absl::StrCat("--object-store-socket=", socket_dir_, "/", node.ShortHex()),
      "--resources=" + resources_json,
      absl::StrCat("--report-period-ms=", options_.report_period_ms),
      absl::StrCat("--metrics-export-port=", *metrics_port)};
  absl::StatusOr<int> pid = Spawn(argv, absl::StrCat("raylet-", index));
  if (!pid.ok()) return pid.status();
  raylet_pids_.push_back(*pid);
  node_ids_.push_back(node);
  absl::Status joined =
      WaitForNodeState(node, rpc::GcsNodeInfo::ALIVE, std::chrono::seconds(20));
  if (!joined.ok()) {
    return absl::Status(joined.code(), std::string(joined.message()) + "; raylet log:\n" +
                                           ReadLog(absl::StrCat("raylet-", index)));
  }
  return node;
}

absl::StatusOr<rpc::GcsNodeInfo> Cluster::NodeInfo(int index) {
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client_->GetAllNodes();
  if (!nodes.ok()) return nodes.status();
  for (const rpc::GcsNodeInfo& n : *nodes) {
    if (n.node_id() == node_ids_[index].Binary()) return n;
  }
  return absl::NotFoundError(absl::StrCat("node ", index, " is not registered"));
}

void Cluster::KillNode(int index, int signal) { kill(raylet_pids_[index], signal); }

void Cluster::KillGcs() {
  if (gcs_pid_ <= 0) return;
  kill(gcs_pid_, SIGKILL);
  WaitForExit(gcs_pid_);
  gcs_pid_ = -1;
}

absl::Status Cluster::RestartGcs() {
  KillGcs();
  return StartGcs();
}

absl::Status Cluster::WaitForNodeState(const NodeID& node, int state,
                                       std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "not registered";
  while (std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client_->GetAllNodes();
    if (nodes.ok()) {
      for (const rpc::GcsNodeInfo& n : *nodes) {
        if (n.node_id() != node.Binary()) continue;
        if (n.state() == state) return absl::OkStatus();
        last = rpc::GcsNodeInfo::State_Name(n.state());
      }
    } else {
      last = std::string(nodes.status().message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("node ", node.Hex(), " did not become ",
                                                  rpc::GcsNodeInfo::State_Name(
                                                      static_cast<rpc::GcsNodeInfo::State>(state)),
                                                  " (last seen: ", last, ")"));
}

absl::Status Cluster::WaitForAliveNodes(int count, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int alive = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client_->GetAllNodes();
    if (nodes.ok()) {
      alive = 0;
      for (const rpc::GcsNodeInfo& n : *nodes) alive += n.state() == rpc::GcsNodeInfo::ALIVE;
      if (alive == count) return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("expected ", count, " alive nodes, last saw ", alive));
}

std::string Cluster::ReadLog(const std::string& name) const {
  std::ifstream in(log_dir_ + "/" + name + ".log");
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace testing
}  // namespace photon
