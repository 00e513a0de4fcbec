#pragma once

// AutoscalerStateService: GetClusterStatus, the one call the autoscaler
// decides on: every node with its labels, every alive node's last report
// (resources, queued demand by shape, idle time, draining), the placement
// groups waiting as gangs, the request_resources() constraints and the
// autoscaler's own last report (both kept in the internal KV, namespace
// "autoscaler", keys kConstraintsKey and kReportKey, written by the SDK and
// by the autoscaler).
//
// Runs its handler only on the GCS loop.

#include "core/rpc/grpc_server.h"
#include "gcs/kv_manager.h"
#include "gcs/node_manager.h"
#include "gcs/placement_group_manager.h"
#include "gcs/resource_manager.h"
#include "proto/gcs.grpc.pb.h"

namespace photon {
namespace gcs {

inline constexpr char kAutoscalerNamespace[] = "autoscaler";
// JSON list of bundles ({"CPU": 2}, ...), replaced by each request_resources().
inline constexpr char kConstraintsKey[] = "resource_request";
inline constexpr char kReportKey[] = "report";

class AutoscalerStateService : public rpc::AutoscalerStateGcsService::CallbackService {
 public:
  AutoscalerStateService(rpc::GrpcServer& server, NodeManager& nodes, ResourceManager& resources,
                         PlacementGroupManager& groups, KvManager& kv)
      : server_(server), nodes_(nodes), resources_(resources), groups_(groups), kv_(kv) {}

  grpc::ServerUnaryReactor* GetClusterStatus(grpc::CallbackServerContext* ctx, const rpc::GetClusterStatusRequest* req,
                                             rpc::GetClusterStatusReply* reply) override;

 private:
  absl::Status Fill(rpc::GetClusterStatusReply* out);

  rpc::GrpcServer& server_;
  NodeManager& nodes_;
  ResourceManager& resources_;
  PlacementGroupManager& groups_;
  KvManager& kv_;
};

}  // namespace gcs
}  // namespace photon
