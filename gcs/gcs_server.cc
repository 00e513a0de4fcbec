#include "gcs/gcs_server.h"

#include <chrono>
#include <future>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/common/session.h"
#include "core/common/status_macros.h"
#include "core/rpc/addresses.h"
#include "gcs/store/store_client_factory.h"

namespace photon {
namespace gcs {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

GcsServer::GcsServer(Options options, EventLoop& loop) : options_(std::move(options)), loop_(loop) {}

GcsServer::~GcsServer() = default;

void GcsServer::WireNodeListeners() {
  NodeManager::Listener listener;
  listener.on_alive = [this](const rpc::GcsNodeInfo& node) {
    NodeID id = *NodeID::FromBinary(node.node_id());
    prober_->SetAddress(id, rpc::RayletAddress(node));
    health_->RemoveNode(id);  // a re-registration starts a fresh count
    health_->AddNode(id);
    resources_->OnNodeAlive(node);
    placement_groups_->OnNodeAlive();
  };
  listener.on_dead = [this](const rpc::GcsNodeInfo& node) {
    NodeID id = *NodeID::FromBinary(node.node_id());
    health_->RemoveNode(id);
    prober_->Forget(id);
    resources_->OnNodeDead(node);
    placement_groups_->OnNodeDead(id);
    actors_->OnNodeDead(id, node.death_reason());
  };
  nodes_->AddListener(std::move(listener));
}

absl::Status GcsServer::Start() {
  ASSIGN_OR_RETURN(store_, MakeStoreClient(options_.storage));
  ASSIGN_OR_RETURN(std::string epoch, Session::GenerateToken());
  publisher_ = std::make_unique<Publisher>(
      epoch.substr(0, 16), Publisher::Options(),
      [this](std::chrono::milliseconds delay, std::function<void()> fn) {
        loop_.RunAfter("Pubsub.PollTimeout", delay, std::move(fn));
      });
  nodes_ = std::make_unique<NodeManager>(*store_, *publisher_, WallMs);
  jobs_ = std::make_unique<JobManager>(*store_, *publisher_, WallMs);
  kv_ = std::make_unique<KvManager>(*store_);
  functions_ = std::make_unique<FunctionTable>(*store_);
  resources_ = std::make_unique<ResourceManager>(*nodes_, *publisher_);
  task_events_ = std::make_unique<TaskEventManager>(TaskEventManager::Options());
  actors_ = std::make_unique<ActorManager>(loop_, options_.token, *nodes_, *publisher_, *store_);
  placement_groups_ =
      std::make_unique<PlacementGroupManager>(loop_, options_.token, *nodes_, *resources_, *store_);
  actors_->SetBundleLocator([this](const PlacementGroupID& group, int bundle,
                                   std::function<void(absl::StatusOr<NodeID>)> done) {
    placement_groups_->WhenBundlePlaced(group, bundle, std::move(done));
  });
  placement_groups_->SetOnRemoved(
      [this](const PlacementGroupID& group) { actors_->OnPlacementGroupRemoved(group); },
      [this](const PlacementGroupID& group) { actors_->OnPlacementGroupCancelled(group); });
  prober_ = std::make_unique<RayletProber>(loop_, options_.token,
                                           std::chrono::milliseconds(options_.health.timeout_ms));
  health_ = std::make_unique<HealthChecker>(
      options_.health,
      [this](const NodeID& node, std::function<void(bool)> done) { prober_->Probe(node, std::move(done)); },
      [this](const NodeID& node, const std::string& reason) {
        absl::Status s = nodes_->MarkDead(node, reason);
        if (!s.ok()) PHOTON_LOG(ERROR) << "marking node " << node.Hex() << " dead: " << s;
      },
      MonotonicMs);
  WireNodeListeners();
  publisher_->RegisterSnapshot(rpc::NODE, [this] { return nodes_->Snapshot(); });
  publisher_->RegisterSnapshot(rpc::JOB, [this] { return jobs_->Snapshot(); });
  publisher_->RegisterSnapshot(rpc::RESOURCES, [this] { return resources_->Snapshot(); });
  publisher_->RegisterSnapshot(rpc::ACTOR, [this] { return actors_->Snapshot(); });
  publisher_->RegisterEventChannel(rpc::WORKER_LOGS);
  // Nodes first: the actors and groups look up where they are.
  RETURN_IF_ERROR(nodes_->Initialize());
  RETURN_IF_ERROR(actors_->Initialize());
  RETURN_IF_ERROR(placement_groups_->Initialize());

  server_ = std::make_unique<rpc::GrpcServer>(
      "gcs", rpc::GrpcServer::Options{options_.host, options_.port, options_.token}, loop_);
  node_service_ = std::make_unique<NodeInfoService>(*server_, *nodes_);
  resource_service_ = std::make_unique<NodeResourceService>(*server_, *resources_);
  auto finish_job = [this](const JobID& job, const std::string& reason) -> absl::Status {
    RETURN_IF_ERROR(jobs_->MarkFinished(job, reason));
    // Also when it was finished already (a retried call, or a GCS that died
    // between marking it and ending its actors): both ends are idempotent.
    actors_->OnJobFinished(job);
    placement_groups_->OnJobFinished(job);
    return absl::OkStatus();
  };
  job_service_ = std::make_unique<JobInfoService>(*server_, *jobs_, finish_job);
  kv_service_ = std::make_unique<InternalKVService>(*server_, *kv_);
  function_service_ = std::make_unique<FunctionService>(*server_, *functions_);
  pubsub_service_ = std::make_unique<PubsubService>(*server_, *publisher_);
  task_events_service_ = std::make_unique<TaskEventsService>(*server_, *task_events_);
  actor_service_ = std::make_unique<ActorInfoService>(*server_, *actors_, finish_job);
  placement_group_service_ = std::make_unique<PlacementGroupService>(*server_, *placement_groups_);
  server_->RegisterService(node_service_.get());
  server_->RegisterService(resource_service_.get());
  server_->RegisterService(job_service_.get());
  server_->RegisterService(kv_service_.get());
  server_->RegisterService(function_service_.get());
  server_->RegisterService(pubsub_service_.get());
  server_->RegisterService(task_events_service_.get());
  server_->RegisterService(actor_service_.get());
  server_->RegisterService(placement_group_service_.get());
  autoscaler_service_ =
      std::make_unique<AutoscalerStateService>(*server_, *nodes_, *resources_, *placement_groups_, *kv_);
  server_->RegisterService(autoscaler_service_.get());
  RETURN_IF_ERROR(server_->Start());

  loop_.RunEvery("HealthCheck.Tick", health_->tick_interval(), [this] { health_->Tick(); });
  PHOTON_LOG(INFO) << "GCS started on port " << server_->port() << " with storage "
                   << options_.storage << ", pubsub epoch " << publisher_->epoch();
  return absl::OkStatus();
}

void GcsServer::Stop() {
  if (server_ == nullptr) return;
  std::promise<void> flushed;
  loop_.Post("Gcs.Stop", [&] {
    publisher_->FlushParked();
    flushed.set_value();
  });
  flushed.get_future().wait();
  server_->Shutdown();
}

}  // namespace gcs
}  // namespace photon
