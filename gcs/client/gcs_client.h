#pragma once

// GcsClient: a blocking client of every GCS service, for the CLI, tests,
// benchmarks and drivers. Each call carries the cluster token, has a
// deadline, and is retried with backoff while the GCS is UNAVAILABLE (e.g.
// restarting); any other error comes back as an absl::Status with the GCS's
// message ("internal KV: the key is empty").
//
//   GcsClient gcs({.address = "127.0.0.1:6379", .token = token});
//   ASSIGN_OR_RETURN(std::vector<rpc::GcsNodeInfo> nodes, gcs.GetAllNodes());
//   RETURN_IF_ERROR(gcs.KvPut("ns", "key", "value", /*overwrite=*/true).status());
//
// Thread-safe (gRPC stubs are).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "core/rpc/client_call.h"
#include "proto/gcs.grpc.pb.h"

namespace photon {
namespace gcs {

class GcsClient {
 public:
  struct Options {
    std::string address;  // HOST:PORT
    std::string token;
    rpc::RetryPolicy retry;
  };

  explicit GcsClient(Options options);

  absl::Status RegisterNode(const rpc::GcsNodeInfo& node);
  absl::Status UnregisterNode(const NodeID& node, const std::string& reason);
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> GetAllNodes();

  absl::Status ReportResourceUsage(const rpc::ResourceUsage& usage);
  absl::StatusOr<std::vector<rpc::ResourceUsage>> GetAllResourceUsage();

  absl::StatusOr<JobID> AddJob(const rpc::JobTableData& job);
  absl::Status MarkJobFinished(const JobID& job);
  absl::StatusOr<std::vector<rpc::JobTableData>> GetAllJobs();

  absl::StatusOr<std::string> KvGet(const std::string& ns, const std::string& key);
  absl::StatusOr<std::map<std::string, std::string>> KvMultiGet(const std::string& ns,
                                                                const std::vector<std::string>& keys);
  // True when the key was new.
  absl::StatusOr<bool> KvPut(const std::string& ns, const std::string& key, const std::string& value,
                             bool overwrite);
  absl::StatusOr<int64_t> KvDel(const std::string& ns, const std::string& key, bool by_prefix);
  absl::StatusOr<bool> KvExists(const std::string& ns, const std::string& key);
  absl::StatusOr<std::vector<std::string>> KvKeys(const std::string& ns, const std::string& prefix);

  absl::Status AddFunction(const JobID& job, const std::string& function_id, const std::string& blob);
  absl::StatusOr<std::string> GetFunction(const JobID& job, const std::string& function_id);

  absl::Status AddTaskEvents(const rpc::AddTaskEventsRequest& request);
  // `job` nil: every job.
  absl::StatusOr<rpc::GetTaskEventsReply> GetTaskEvents(const JobID& job, int limit);

  absl::Status RegisterActor(const rpc::ActorTableData& actor);
  absl::StatusOr<rpc::ActorTableData> GetActorInfo(const ActorID& actor);
  absl::StatusOr<rpc::ActorTableData> GetNamedActor(const std::string& name, const std::string& ns);
  absl::Status KillActor(const ActorID& actor, bool no_restart, bool intentional_exit = false);
  // Every actor the GCS keeps, dead ones included (the newest 1,000 of
  // those): not DEAD first, then DEAD, the most recently dead first.
  absl::StatusOr<std::vector<rpc::ActorTableData>> GetAllActorInfo();

  // PG_CREATED when the group was placed before the GCS answered, else PG_PENDING.
  absl::StatusOr<rpc::PlacementGroupState> CreatePlacementGroup(const rpc::PlacementGroupTableData& group);
  absl::Status RemovePlacementGroup(const PlacementGroupID& id);
  // By id, or (id nil) by name in `ns`.
  absl::StatusOr<rpc::PlacementGroupTableData> GetPlacementGroup(const PlacementGroupID& id,
                                                                  const std::string& name = "",
                                                                  const std::string& ns = "");

  // Every group the GCS keeps, removed ones included (the newest 1,000 of
  // those): not removed first, then removed, the most recently removed first.
  absl::StatusOr<std::vector<rpc::PlacementGroupTableData>> GetAllPlacementGroups();

  // Waits at the GCS up to `timeout` for the group to be placed.
  absl::StatusOr<bool> WaitPlacementGroupReady(const PlacementGroupID& id, std::chrono::milliseconds timeout);

  // Everything the autoscaler decides on (AutoscalerStateGcsService).
  absl::StatusOr<rpc::GetClusterStatusReply> GetClusterStatus();

  // One long poll (see PubsubGcsService.Poll). The deadline covers its timeout.
  absl::StatusOr<rpc::PollReply> Poll(const rpc::PollRequest& request);

  const std::string& address() const { return options_.address; }

 private:
  // Runs `call` with retry; the error names the GCS address.
  absl::Status Call(const char* what, const std::function<grpc::Status(grpc::ClientContext*)>& call,
                    const rpc::RetryPolicy* policy = nullptr);

  Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<rpc::NodeInfoGcsService::Stub> nodes_;
  std::unique_ptr<rpc::NodeResourceGcsService::Stub> resources_;
  std::unique_ptr<rpc::JobInfoGcsService::Stub> jobs_;
  std::unique_ptr<rpc::InternalKVGcsService::Stub> kv_;
  std::unique_ptr<rpc::FunctionGcsService::Stub> functions_;
  std::unique_ptr<rpc::PubsubGcsService::Stub> pubsub_;
  std::unique_ptr<rpc::TaskEventsGcsService::Stub> task_events_;
  std::unique_ptr<rpc::ActorInfoGcsService::Stub> actors_;
  std::unique_ptr<rpc::PlacementGroupInfoGcsService::Stub> placement_groups_;
  std::unique_ptr<rpc::AutoscalerStateGcsService::Stub> autoscaler_state_;
};

}  // namespace gcs
}  // namespace photon
