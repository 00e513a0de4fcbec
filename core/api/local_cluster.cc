#include "core/api/local_cluster.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/id.h"
#include "core/common/session.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace api_internal {
namespace {

bool IsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string path(buf);
  return path.substr(0, path.rfind('/'));
}

absl::StatusOr<int> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("no free port: ", std::strerror(errno)));
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

absl::StatusOr<std::string> FindPhotonBinary(const std::string& name) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("PHOTON_BIN_DIR"); dir != nullptr && *dir != '\0') {
    candidates.push_back(absl::StrCat(dir, "/", name));
  }
  const std::string self = SelfDir();
  candidates.push_back(self + "/" + name);
  candidates.push_back("build/bin/" + name);
  candidates.push_back("/usr/local/bin/" + name);
  for (const std::string& c : candidates) {
    if (IsExecutable(c)) return c;
  }
  return absl::NotFoundError(absl::StrCat("cannot find ", name, " to start a local cluster; looked at ",
                                          absl::StrJoin(candidates, ", "),
                                          " (set PHOTON_BIN_DIR, run `make build`, or pass an address to Init)"));
}

absl::StatusOr<int> LocalCluster::Spawn(const std::string& binary, const std::vector<std::string>& args,
                                        const std::string& log) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t parent = getpid();
  const std::string token_env = "PHOTON_CLUSTER_TOKEN=" + token_;
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    putenv(const_cast<char*>(token_env.c_str()));
    std::vector<char*> raw;
    for (std::string& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    execv(raw[0], raw.data());
    _exit(127);
  }
  pids_.push_back(pid);
  return pid;
}

absl::StatusOr<std::unique_ptr<LocalCluster>> LocalCluster::Start(const Options& options) {
  std::unique_ptr<LocalCluster> cluster(new LocalCluster());
  absl::StatusOr<std::string> gcs_binary = FindPhotonBinary("photon-gcs");
  if (!gcs_binary.ok()) return gcs_binary.status();
  absl::StatusOr<std::string> raylet_binary = FindPhotonBinary("photon-raylet");
  if (!raylet_binary.ok()) return raylet_binary.status();
  cluster->session_dir_ = absl::StrCat(Session::Root(), "/local_", getpid(), "_", NodeID::FromRandom().Hex().substr(0, 8));
  absl::Status s = MakeDirectories(cluster->session_dir_ + "/logs", 0700);
  if (!s.ok()) return s;
  absl::StatusOr<Session> session = Session::Open(cluster->session_dir_);
  if (!session.ok()) return session.status();
  absl::StatusOr<std::string> token = Session::GenerateToken();
  if (!token.ok()) return token.status();
  cluster->token_ = *token;
  s = session->WriteToken(*token);
  if (!s.ok()) return s;
  absl::StatusOr<int> port = FreePort();
  if (!port.ok()) return port.status();
  cluster->gcs_address_ = absl::StrCat("127.0.0.1:", *port);
  const std::string logs = cluster->session_dir_ + "/logs";
  absl::StatusOr<int> gcs = cluster->Spawn(
      *gcs_binary, {"--host=127.0.0.1", absl::StrCat("--port=", *port), "--session-dir=" + cluster->session_dir_},
      logs + "/gcs.out");
  if (!gcs.ok()) return gcs.status();
  std::vector<std::string> raylet_args = {"--gcs-address=" + cluster->gcs_address_, "--head",
                                          "--session-dir=" + cluster->session_dir_};
  if (options.num_cpus >= 0) raylet_args.push_back(absl::StrCat("--num-cpus=", options.num_cpus));
  if (options.num_gpus >= 0) raylet_args.push_back(absl::StrCat("--num-gpus=", options.num_gpus));
  if (options.object_store_memory > 0) {
    raylet_args.push_back(absl::StrCat("--object-store-memory=", options.object_store_memory));
  }
  if (!options.resources.empty()) {
    std::vector<std::string> parts;
    for (const auto& [name, amount] : options.resources) parts.push_back(absl::StrCat("\"", name, "\": ", amount));
    raylet_args.push_back("--resources={" + absl::StrJoin(parts, ", ") + "}");
  }
  absl::StatusOr<int> raylet = cluster->Spawn(*raylet_binary, raylet_args, logs + "/raylet.out");
  if (!raylet.ok()) return raylet.status();

  gcs::GcsClient client(gcs::GcsClient::Options{cluster->gcs_address_, cluster->token_, {}});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string last = "no answer";
  while (std::chrono::steady_clock::now() < deadline) {
    for (int pid : cluster->pids_) {
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        return absl::InternalError(absl::StrCat("the local cluster's ", pid == *gcs ? "GCS" : "raylet",
                                                " exited during startup; see ", logs));
      }
    }
    absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = client.GetAllNodes();
    if (nodes.ok()) {
      for (const rpc::GcsNodeInfo& n : *nodes) {
        if (n.state() == rpc::GcsNodeInfo::ALIVE) return cluster;
      }
      last = "no node registered yet";
    } else {
      last = std::string(nodes.status().message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("the local cluster did not come up in 30 s (", last, "); see ", logs));
}

LocalCluster::~LocalCluster() { Stop(); }

void LocalCluster::Stop() {
  // Raylet first (it stops its workers), then the GCS.
  for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) kill(*it, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (int pid : pids_) {
    while (waitpid(pid, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  pids_.clear();
}

}  // namespace api_internal
}  // namespace photon
