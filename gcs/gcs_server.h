#pragma once

// GcsServer: the global control store, assembled. Owns the storage client,
// the managers, the pubsub publisher, the health checker and the gRPC
// server, and wires them together.
//
//   EventLoop loop;
//   GcsServer gcs(options, loop);
//   RETURN_IF_ERROR(gcs.Start());     // storage, tables reloaded, port bound
//   loop.Run();                       // ... until a signal
//   gcs.Stop();
//
// Start runs before the loop does; afterwards all state lives on `loop`.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/common/event_loop.h"
#include "core/rpc/grpc_server.h"
#include "gcs/actor_manager.h"
#include "gcs/function_table.h"
#include "gcs/autoscaler_state_service.h"
#include "gcs/grpc_services.h"
#include "gcs/health_checker.h"
#include "gcs/job_manager.h"
#include "gcs/kv_manager.h"
#include "gcs/node_manager.h"
#include "gcs/publisher.h"
#include "gcs/raylet_prober.h"
#include "gcs/resource_manager.h"
#include "gcs/task_event_manager.h"
#include "gcs/store/store_client.h"

namespace photon {
namespace gcs {

class GcsServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    int port = 6379;
    // "memory" or "redis://HOST:PORT".
    std::string storage = "memory";
    // The cluster token every call must carry.
    std::string token;
    HealthChecker::Options health;
  };

  GcsServer(Options options, EventLoop& loop);
  ~GcsServer();

  absl::Status Start();
  // Answers parked polls and stops the gRPC server. REQUIRES: the loop runs
  // on another thread (Stop waits for it).
  void Stop();

  int port() const { return server_ ? server_->port() : 0; }

 private:
  void WireNodeListeners();

  Options options_;
  EventLoop& loop_;
  std::unique_ptr<StoreClient> store_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<NodeManager> nodes_;
  std::unique_ptr<JobManager> jobs_;
  std::unique_ptr<KvManager> kv_;
  std::unique_ptr<FunctionTable> functions_;
  std::unique_ptr<ResourceManager> resources_;
  std::unique_ptr<TaskEventManager> task_events_;
  std::unique_ptr<ActorManager> actors_;
  std::unique_ptr<PlacementGroupManager> placement_groups_;
  std::unique_ptr<RayletProber> prober_;
  std::unique_ptr<HealthChecker> health_;
  std::unique_ptr<rpc::GrpcServer> server_;
  std::unique_ptr<NodeInfoService> node_service_;
  std::unique_ptr<NodeResourceService> resource_service_;
  std::unique_ptr<JobInfoService> job_service_;
  std::unique_ptr<InternalKVService> kv_service_;
  std::unique_ptr<FunctionService> function_service_;
  std::unique_ptr<PubsubService> pubsub_service_;
  std::unique_ptr<TaskEventsService> task_events_service_;
  std::unique_ptr<ActorInfoService> actor_service_;
  std::unique_ptr<PlacementGroupService> placement_group_service_;
  std::unique_ptr<AutoscalerStateService> autoscaler_service_;
};

}  // namespace gcs
}  // namespace photon
