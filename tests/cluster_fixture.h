#pragma once

// Cluster: a real Photon cluster on loopback for integration tests.
//
// Starts photon-gcs and N photon-raylets as separate processes, each with its
// own ports, logs under the test's temporary directory, and the cluster
// token; waits until every raylet is registered. Everything is torn down
// (SIGKILL) in the destructor, and every child also dies with the test
// process (PR_SET_PDEATHSIG), so a failed or crashed test leaves nothing.
//
//   auto cluster = Cluster::Start({.num_nodes = 3});
//   ASSERT_TRUE(cluster.ok()) << cluster.status();
//   gcs::GcsClient& gcs = (*cluster)->client();
//   (*cluster)->KillNode(1, SIGKILL);
//   ASSERT_TRUE((*cluster)->WaitForNodeState(node, rpc::GcsNodeInfo::DEAD, timeout).ok());

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace testing {

class Cluster {
 public:
  struct Options {
    int num_nodes = 1;
    double cpus_per_node = 1;
    // "memory" or "redis://HOST:PORT".
    std::string storage = "memory";
    int health_check_period_ms = 200;
    int health_check_timeout_ms = 200;
    int health_check_failure_threshold = 3;
    int report_period_ms = 200;
    // Shared memory of each node's object store (Start checks /dev/shm has it).
    int64_t object_store_bytes = 100 << 20;
  };

  static absl::StatusOr<std::unique_ptr<Cluster>> Start(Options options);
  ~Cluster();

  // Starts one more raylet and waits until it is registered.
  absl::StatusOr<NodeID> AddNode(double cpus, const std::string& resources_json = "");

  // The GCS's entry for node `index`, as it is now.
  absl::StatusOr<rpc::GcsNodeInfo> NodeInfo(int index);

  // Signals raylet `index` (0-based, in start order).
  void KillNode(int index, int signal);
  // SIGKILLs the GCS and waits for it to exit.
  void KillGcs();
  // Starts the GCS again on the same port and storage; waits until it answers.
  absl::Status RestartGcs();

  absl::Status WaitForNodeState(const NodeID& node, int state, std::chrono::milliseconds timeout);
  absl::Status WaitForAliveNodes(int count, std::chrono::milliseconds timeout);

  gcs::GcsClient& client() { return *client_; }
  const std::string& gcs_address() const { return gcs_address_; }
  const std::string& token() const { return token_; }
  const std::string& log_dir() const { return log_dir_; }
  const std::vector<NodeID>& node_ids() const { return node_ids_; }
  int node_pid(int index) const { return raylet_pids_[index]; }
  int gcs_pid() const { return gcs_pid_; }
  const Options& options() const { return options_; }
  // The whole of one process's log ("gcs", or "raylet-<index>").
  std::string ReadLog(const std::string& name) const;

 private:
  explicit Cluster(Options options) : options_(std::move(options)) {}
  absl::Status StartGcs();
  absl::Status WaitForGcs(std::chrono::milliseconds timeout);
  // Starts argv with the token, output to <log_dir>/<log_name>.log, dying with the test.
  absl::StatusOr<int> Spawn(const std::vector<std::string>& argv, const std::string& log_name);

  Options options_;
  std::string token_;
  std::string log_dir_;
  std::string socket_dir_;
  int gcs_port_ = 0;
  std::string gcs_address_;
  int gcs_pid_ = -1;
  int gcs_starts_ = 0;
  std::vector<int> raylet_pids_;
  std::vector<NodeID> node_ids_;
  std::unique_ptr<gcs::GcsClient> client_;
};

}  // namespace testing
}  // namespace photon
