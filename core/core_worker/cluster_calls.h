#pragma once
// ClusterCalls: what the front ends (the C++ API, the Python module) read
// and write in the GCS beyond tasks, actors and objects: the cluster's nodes
// and their resources, the function table, and the internal KV. Front ends
// never hold the GcsClient itself; each need has a named method here.
//
//   ASSIGN_OR_RETURN(std::vector<rpc::GcsNodeInfo> nodes, cluster.Nodes());
//   RETURN_IF_ERROR(cluster.AddFunction(function_id, pickled));   // this job's table
//   ASSIGN_OR_RETURN(std::string blob, cluster.GetFunction(job, function_id));
//
// Thread-safe (each call blocks for one GCS round trip, retried while the
// GCS is unavailable).
#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/core_worker/worker_identity.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace core {

class ClusterCalls {
 public:
  struct Deps {
    const WorkerIdentity& self;
    gcs::GcsClient& gcs;
    const std::atomic<bool>& shut_down;
  };

  explicit ClusterCalls(Deps deps) : deps_(deps) {}

  // Every node the GCS knows, alive and dead.
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> Nodes();
  // Every job the GCS knows, running and finished.
  absl::StatusOr<std::vector<rpc::JobTableData>> Jobs();
  // The latest resource report of each alive node.
  absl::StatusOr<std::vector<rpc::ResourceUsage>> ResourceUsage();
  // Adds `blob` to this job's function table under `function_id`.
  absl::Status AddFunction(const std::string& function_id, const std::string& blob);
  // `job` nil: this job's table.
  absl::StatusOr<std::string> GetFunction(const JobID& job, const std::string& function_id);
  // True when the key was new.
  absl::StatusOr<bool> KvPut(const std::string& ns, const std::string& key, const std::string& value, bool overwrite);
  // NotFound when the key is not there.
  absl::StatusOr<std::string> KvGet(const std::string& ns, const std::string& key);

 private:
  const Deps deps_;
};

}  // namespace core
}  // namespace photon
