#pragma once

// ClusterView: one look at the whole cluster, for the dashboard's plots, its
// /metrics and its node pages: the GCS's nodes, resource usage, task counts,
// actors and jobs, plus each alive raylet's own stats (machine CPU and
// memory, workers, queued leases) asked directly, in parallel.
//
//   ClusterView view(gcs, token);
//   ASSIGN_OR_RETURN(ClusterSnapshot now, view.Collect());
//
// Thread-safe (channels to raylets are cached under a mutex).

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "gcs/client/gcs_client.h"
#include "proto/raylet.grpc.pb.h"

namespace photon {
namespace dashboard {

struct ClusterSnapshot {
  int64_t time_ms = 0;
  std::vector<rpc::GcsNodeInfo> nodes;
  // By node id (binary); alive nodes that reported / answered.
  std::map<std::string, rpc::ResourceUsage> usage;
  std::map<std::string, rpc::GetNodeStatsReply> stats;
  // Task attempts by TaskState, over what the GCS keeps.
  std::array<int64_t, rpc::TaskState_ARRAYSIZE> tasks{};
  std::map<std::string, int64_t> actors_by_state;  // "ALIVE", ...
  std::map<std::string, int64_t> jobs_by_status;   // submitted jobs: "RUNNING", ...

  // Sums over alive nodes.
  double ResourceTotal(const std::string& name) const;
  double ResourceAvailable(const std::string& name) const;
  // Lease requests waiting, from the nodes' reported demand.
  int64_t QueuedDemand() const;
};

// Ray's names for task and actor states (what the API and /metrics show).
std::string TaskStateName(rpc::TaskState state);
std::string ActorStateName(rpc::ActorState state);

class ClusterView {
 public:
  ClusterView(gcs::GcsClient& gcs, std::string token) : gcs_(gcs), token_(std::move(token)) {}

  // Unavailable when the GCS does not answer; a raylet that does not answer
  // is only missing from `stats`.
  absl::StatusOr<ClusterSnapshot> Collect();

  // One raylet's stats (NotFound for an unknown or dead node).
  absl::StatusOr<rpc::GetNodeStatsReply> NodeStats(const rpc::GcsNodeInfo& node);

 private:
  rpc::RayletService::Stub& StubFor(const std::string& address);

  gcs::GcsClient& gcs_;
  const std::string token_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<rpc::RayletService::Stub>> stubs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace dashboard
}  // namespace photon
