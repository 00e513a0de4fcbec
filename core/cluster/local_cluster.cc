#include "core/cluster/local_cluster.h"

#include <unistd.h>

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/free_port.h"
#include "core/common/id.h"
#include "core/common/process.h"
#include "core/common/session.h"
#include "core/common/status_macros.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace cluster {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopGrace = std::chrono::seconds(5);

// A binary of the cluster, or NotFound that says what else a driver can do.
absl::StatusOr<std::string> FindDaemon(const std::string& name, const BinarySearch& search) {
  absl::StatusOr<std::string> path = FindPhotonBinary(name, search);
  if (path.ok()) return path;
  return absl::NotFoundError(absl::StrCat(path.status().message(),
                                          "; to use a running cluster instead, pass its address to init"));
}

std::vector<std::string> RayletArgs(const LocalCluster::Options& options, const std::string& gcs_address,
                                    const std::string& session_dir) {
  std::vector<std::string> args = {"--gcs-address=" + gcs_address, "--head", "--session-dir=" + session_dir};
  if (options.num_cpus >= 0) args.push_back(absl::StrCat("--num-cpus=", options.num_cpus));
  if (options.num_gpus >= 0) args.push_back(absl::StrCat("--num-gpus=", options.num_gpus));
  if (options.object_store_memory > 0) {
    args.push_back(absl::StrCat("--object-store-memory=", options.object_store_memory));
  }
  if (!options.resources.empty()) {
    std::vector<std::string> parts;
    for (const auto& [name, amount] : options.resources) parts.push_back(absl::StrCat("\"", name, "\": ", amount));
    args.push_back("--resources={" + absl::StrJoin(parts, ", ") + "}");
  }
  return args;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalCluster>> LocalCluster::Start(const Options& options) {
  ASSIGN_OR_RETURN(std::string gcs_binary, FindDaemon("photon-gcs", options.binary_search));
  ASSIGN_OR_RETURN(std::string raylet_binary, FindDaemon("photon-raylet", options.binary_search));
  std::unique_ptr<LocalCluster> cluster(new LocalCluster());
  RETURN_IF_ERROR(cluster->CreateSession());
  RETURN_IF_ERROR(cluster->StartDaemons(options, gcs_binary, raylet_binary));
  RETURN_IF_ERROR(cluster->WaitUntilUp());
  return cluster;
}

absl::Status LocalCluster::CreateSession() {
  // The machine's latest session while it lives, as `photon start`'s is: other
  // processes find it (photon.init("auto"), photon status, photon stop).
  ASSIGN_OR_RETURN(Session session, Session::Create());
  session_dir_ = session.dir();
  RETURN_IF_ERROR(MakeDirectories(session_dir_ + "/logs", 0700));
  ASSIGN_OR_RETURN(token_, Session::GenerateToken());
  return session.WriteToken(token_);
}

absl::Status LocalCluster::StartDaemons(const Options& options, const std::string& gcs_binary,
                                        const std::string& raylet_binary) {
  ASSIGN_OR_RETURN(int port, PickFreePort());
  gcs_address_ = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<pid_t> gcs = StartDaemon(
      {gcs_binary, "--host=127.0.0.1", absl::StrCat("--port=", port), "--session-dir=" + session_dir_}, "gcs.out");
  if (!gcs.ok()) return gcs.status();
  std::vector<std::string> raylet = RayletArgs(options, gcs_address_, session_dir_);
  raylet.insert(raylet.begin(), raylet_binary);
  // A port of its own, not 8080: local clusters of several drivers (tests
  // running at once) must not race for one port.
  ASSIGN_OR_RETURN(int metrics_port, PickFreePort());
  raylet.push_back(absl::StrCat("--metrics-export-port=", metrics_port));
  absl::StatusOr<pid_t> raylet_pid = StartDaemon(std::move(raylet), "raylet.out");
  if (!raylet_pid.ok()) return raylet_pid.status();
  ASSIGN_OR_RETURN(Session session, Session::Open(session_dir_));
  RETURN_IF_ERROR(session.WriteGcsAddress(gcs_address_));
  RETURN_IF_ERROR(session.WritePid("gcs", *gcs));
  return session.WritePid("raylet-local", *raylet_pid);
}

absl::StatusOr<pid_t> LocalCluster::StartDaemon(std::vector<std::string> argv, const std::string& log_name) {
  SpawnOptions spawn;
  spawn.argv = std::move(argv);
  spawn.env = {{"PHOTON_CLUSTER_TOKEN", token_}};
  spawn.log_path = session_dir_ + "/logs/" + log_name;
  spawn.group = SpawnOptions::Group::kNewProcessGroup;
  spawn.die_with_parent = true;
  ASSIGN_OR_RETURN(pid_t pid, Spawn(spawn));
  pids_.push_back(pid);
  return pid;
}

absl::Status LocalCluster::WaitUntilUp() {
  const std::string logs = session_dir_ + "/logs";
  gcs::GcsClient client(gcs::GcsClient::Options{gcs_address_, token_, {}});
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  std::string last = "no answer";
  while (std::chrono::steady_clock::now() < deadline) {
    for (size_t i = 0; i < pids_.size(); i++) {
      if (std::optional<ExitStatus> exited = ReapIfExited(pids_[i])) {
        return absl::InternalError(absl::StrCat("the local cluster's ", i == 0 ? "GCS" : "raylet",
                                                " exited during startup (", exited->ToString(), "); see ", logs));
      }
    }
    absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client.GetAllNodes();
    if (nodes.ok()) {
      for (const rpc::GcsNodeInfo& n : *nodes) {
        if (n.state() == rpc::GcsNodeInfo::ALIVE) return absl::OkStatus();
      }
      last = "no node registered yet";
    } else {
      last = std::string(nodes.status().message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("the local cluster did not come up in ", kStartTimeout.count(),
                                                  " s (", last, "); see ", logs));
}

LocalCluster::~LocalCluster() { Stop(); }

void LocalCluster::Stop() {
  // Raylet first (it stops its workers), then the GCS.
  TerminateAll(std::vector<pid_t>(pids_.rbegin(), pids_.rend()), kStopGrace);
  pids_.clear();
}

}  // namespace cluster
}  // namespace photon
