#pragma once

// LocalCluster: a GCS and one raylet started for one driver process, in a
// private session directory, and stopped with it. It is what photon::Init()
// without an address and photon.init() without a running cluster start, so
// both front ends run the very same local cluster.
//
// The daemons are found with FindPhotonBinary (core/common/binaries.h) and
// started with Spawn (core/common/process.h): each in its own process group,
// its output in <session>/logs/{gcs,raylet}.out, and dying with the thread
// that called Start (PR_SET_PDEATHSIG), so a driver that crashes leaves
// nothing behind.
//
//   LocalCluster::Options options;
//   options.num_cpus = 4;
//   ASSIGN_OR_RETURN(std::unique_ptr<LocalCluster> cluster, LocalCluster::Start(options));
//   Connect(cluster->gcs_address(), cluster->token());
//   ...
//   cluster.reset();  // or Stop(): the raylet and its workers, then the GCS
//
// Thread-compatible. REQUIRES: Start runs on a thread that lives as long as
// the cluster should (the driver's main thread), since the daemons die with it.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/binaries.h"

namespace photon {
namespace cluster {

class LocalCluster {
 public:
  struct Options {
    // The raylet's resources; a negative value lets the raylet detect it.
    double num_cpus = -1;
    double num_gpus = -1;
    // Bytes of the object store; <= 0: the raylet's default.
    int64_t object_store_memory = -1;
    // Custom resources of the node.
    std::map<std::string, double> resources;
    // Where photon-gcs and photon-raylet are looked for (a source tree to
    // search besides the default order; the Python binding sets it).
    BinarySearch binary_search;
  };

  // Starts the GCS on a free loopback port and a head raylet, and returns
  // once the raylet is registered (at most 30 s). Fails with NotFound when a
  // daemon's binary is missing, Internal when one exits during startup and
  // DeadlineExceeded when the node does not come up; the message names the
  // logs directory.
  static absl::StatusOr<std::unique_ptr<LocalCluster>> Start(const Options& options);

  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // SIGTERMs the raylet (which stops its workers) and the GCS, SIGKILLs what
  // is left after 5 s, and reaps them. Idempotent.
  void Stop();

  // "127.0.0.1:PORT".
  const std::string& gcs_address() const { return gcs_address_; }
  const std::string& token() const { return token_; }
  const std::string& session_dir() const { return session_dir_; }

 private:
  LocalCluster() = default;
  // Makes the session directory with its logs and token.
  absl::Status CreateSession();
  absl::Status StartDaemons(const Options& options, const std::string& gcs_binary,
                            const std::string& raylet_binary);
  absl::Status WaitUntilUp();
  // Starts one daemon with the token, output to <logs>/<log_name>.
  absl::StatusOr<pid_t> StartDaemon(std::vector<std::string> argv, const std::string& log_name);

  std::string gcs_address_;
  std::string token_;
  std::string session_dir_;
  std::vector<pid_t> pids_;  // in start order: the GCS, then the raylet
};

}  // namespace cluster
}  // namespace photon
