#include "core/core_worker/core_worker.h"

#include <chrono>
#include <future>
#include <thread>

#include "core/common/logging.h"
#include "core/common/status_macros.h"
#include "core/core_worker/borrowed_objects.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/object_fetcher.h"
#include "core/core_worker/object_releaser.h"
#include "core/core_worker/owner_service.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/task_event_buffer.h"
#include "core/core_worker/task_manager.h"
#include "core/core_worker/task_receiver.h"
#include "core/core_worker/worker_connector.h"
#include "core/core_worker/worker_log_follower.h"
#include "core/rpc/grpc_server.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/gcs_retry.h"
#include "object_store/object_store_client.h"

namespace photon {
namespace core {

absl::StatusOr<CoreWorker::Endpoints> CoreWorker::OpenEndpoints(const CoreWorkerOptions& options) {
  Endpoints e;
  e.loop = std::make_unique<EventLoop>();
  // The loop polls briefly after each burst: a reply or the next submission
  // usually follows within that, and is then handled without a wakeup.
  e.loop->SetSpinBeforeSleep(std::chrono::microseconds(50));
  e.loop->StartThread(options.is_driver ? "photon-driver" : "photon-worker");
  e.server = std::make_unique<rpc::GrpcServer>("core-worker", rpc::GrpcServer::Options{"0.0.0.0", 0, options.token},
                                               *e.loop);
  e.owner_service = std::make_unique<OwnerService>(*e.server);
  e.server->RegisterService(e.owner_service.get());
  absl::Status started = e.server->Start();
  if (started.ok() && !options.is_driver) {
    e.receiver = std::make_unique<TaskReceiver>(options.token);
    absl::StatusOr<int> port = e.receiver->Listen("0.0.0.0");
    if (port.ok()) e.task_port = *port;
    started = port.status();
  }
  if (!started.ok()) {
    e.Close();
    return started;
  }
  return e;
}

void CoreWorker::Endpoints::Close() {
  server->Shutdown(std::chrono::milliseconds(200));
  loop->Stop();
}

absl::StatusOr<std::unique_ptr<CoreWorker>> CoreWorker::Start(CoreWorkerOptions options) {
  // absl's lock-order graph costs a few microseconds per lock on the task
  // path; our own tests run with it (see the unit tests), the runtime without.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (!options.is_driver) SetUpWorkerProcess(options.worker_id);
  ASSIGN_OR_RETURN(Endpoints endpoints, OpenEndpoints(options));
  const int owner_port = endpoints.server->port();
  absl::StatusOr<WorkerIdentity> identity = options.is_driver
                                                ? ConnectDriver(options, owner_port)
                                                : ConnectWorker(options, *endpoints.loop, owner_port, endpoints.task_port);
  absl::StatusOr<std::shared_ptr<object_store::ObjectStoreClient>> store =
      identity.ok() ? object_store::ObjectStoreClient::Connect(identity->object_store_socket)
                    : absl::StatusOr<std::shared_ptr<object_store::ObjectStoreClient>>(identity.status());
  if (!store.ok()) {
    endpoints.Close();
    if (identity.ok() && identity->is_driver) {
      gcs::GcsClient gcs(gcs::GcsClient::Options{identity->gcs_address, identity->token, {}});
      DisconnectDriver(*identity, gcs);
    }
    return store.status();
  }
  std::unique_ptr<CoreWorker> worker(
      new CoreWorker(std::move(options), *std::move(identity), std::move(endpoints), *std::move(store)));
  absl::Status s = worker->StartServices();
  if (!s.ok()) {
    worker->Shutdown();
    return s;
  }
  return worker;
}

CoreWorker::CoreWorker(CoreWorkerOptions options, WorkerIdentity identity, Endpoints endpoints,
                       std::shared_ptr<object_store::ObjectStoreClient> store)
    : options_(std::move(options)),
      identity_(std::move(identity)),
      loop_(std::move(endpoints.loop)),
      server_(std::move(endpoints.server)),
      owner_service_(std::move(endpoints.owner_service)),
      receiver_(std::move(endpoints.receiver)),
      gcs_(std::make_unique<gcs::GcsClient>(
          gcs::GcsClient::Options{identity_.gcs_address, identity_.token, gcs::ThroughGcsRestart()})),
      brief_gcs_(std::make_unique<gcs::GcsClient>(gcs::GcsClient::Options{identity_.gcs_address, identity_.token, {}})),
      async_gcs_(std::make_unique<gcs::AsyncGcsClient>(
          *loop_, gcs::AsyncGcsClient::Options{identity_.gcs_address, identity_.token})),
      local_raylet_(std::make_unique<rpc::RayletClient>(*loop_, identity_.raylet_address, identity_.token)),
      owners_(*loop_, identity_.token),
      raylets_(*loop_, identity_.token),
      store_(std::move(store)) {
  BuildObjects();
  BuildTasks();
  owner_service_->Serve(
      {*refs_, memory_store_, *nodes_, [this](const TaskID& parent) { task_manager_->CancelChildren(parent); }});
}

void CoreWorker::BuildObjects() {
  refs_ = std::make_unique<ReferenceCounter>(
      identity_.address, [this](const ObjectID& id, const Reference& ref) { releaser_->OnOutOfScope(id, ref); });
  nodes_ = std::make_unique<NodeDirectory>(*gcs_, [this](const NodeID& node) {
    loop_->Post("CoreWorker.NodeDead", [this, node] { task_manager_->OnNodeDead(node); });
  });
  events_ = std::make_unique<TaskEventBuffer>(*brief_gcs_);
  borrowed_ = std::make_unique<BorrowedObjects>(
      BorrowedObjects::Deps{identity_, *loop_, *refs_, memory_store_, owners_});
  releaser_ = std::make_unique<ObjectReleaser>(ObjectReleaser::Deps{
      identity_, *loop_, memory_store_, *store_, *refs_, *nodes_, *borrowed_, raylets_, shut_down_,
      [this](const ObjectID& id) { task_manager_->ForgetObject(id); }});
  blocking_ = std::make_unique<WorkerBlocking>(identity_, *local_raylet_);
  fetcher_ = std::make_unique<ObjectFetcher>(ObjectFetcher::Deps{identity_, store_, *refs_, memory_store_, *nodes_,
                                                                 *borrowed_, *local_raylet_, *blocking_});
  objects_ = std::make_unique<ObjectCalls>(
      ObjectCalls::Deps{identity_, *loop_, *store_, *refs_, memory_store_, *fetcher_, *borrowed_, *blocking_, shut_down_});
}

void CoreWorker::BuildTasks() {
  placement_groups_ = std::make_unique<PlacementGroupCalls>(
      PlacementGroupCalls::Deps{identity_, *gcs_, *async_gcs_, *loop_, shut_down_});
  task_manager_ = std::make_unique<TaskManager>(TaskManager::Deps{
      identity_, *loop_, *refs_, memory_store_, *borrowed_, *nodes_, *events_, shut_down_,
      [this](const ObjectID& id, const Reference& ref) { releaser_->FreeRemote(id, ref); },
      [this](const std::string& worker, const TaskID& parent) {
        rpc::CancelChildrenRequest request;
        request.set_parent_task_id(parent.Binary());
        owners_.For(worker).CancelChildren(std::move(request), nullptr);  // not awaited
      },
      *placement_groups_});
  tasks_ = std::make_unique<TaskCalls>(TaskCalls::Deps{identity_, *task_manager_, *placement_groups_, shut_down_});
  actors_ = std::make_unique<ActorCalls>(
      ActorCalls::Deps{identity_, *loop_, *gcs_, *refs_, *task_manager_, *placement_groups_, shut_down_});
  cluster_ = std::make_unique<ClusterCalls>(ClusterCalls::Deps{identity_, *gcs_, shut_down_});
  executor_ = std::make_unique<TaskExecutor>(TaskExecutor::Deps{identity_, *objects_, *borrowed_, *refs_, *store_,
                                                                *events_, *local_raylet_, options_.execute});
}

absl::Status CoreWorker::StartServices() {
  if (identity_.is_driver && options_.log_to_driver) {
    log_follower_ = std::make_unique<WorkerLogFollower>(*gcs_, identity_.job);
    log_follower_->Start();
  }
  RETURN_IF_ERROR(nodes_->Start());
  events_->Start();
  if (identity_.is_driver) {
    // So that a crash of this process still ends the actors it owns.
    rpc::WatchDriverRequest watch;
    watch.set_pid(getpid());
    *watch.mutable_driver() = identity_.address;
    watch.set_job_id(identity_.job.Binary());
    local_raylet_->WatchDriver(std::move(watch), [](absl::StatusOr<rpc::WatchDriverReply> reply) {
      if (!reply.ok()) PHOTON_LOG(INFO) << "the raylet does not watch this driver: " << reply.status();
    });
  }
  return absl::OkStatus();
}

CoreWorker::~CoreWorker() { Shutdown(); }

void CoreWorker::Shutdown() {
  if (shut_down_.exchange(true)) return;
  memory_store_.Close();  // gets and waits blocked in other threads end now
  if (receiver_) receiver_->Stop();
  std::promise<void> done;
  loop_->Post("CoreWorker.Shutdown", [&] {
    task_manager_->Shutdown();
    done.set_value();
  });
  done.get_future().wait_for(std::chrono::seconds(5));
  // Let the lease returns go out.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (identity_.is_driver) {
    releaser_->FreeAllOwned();
    DisconnectDriver(identity_, *brief_gcs_);
  }
  if (log_follower_) log_follower_->RequestStop();  // ends with the next poll, meanwhile others stop
  events_->Stop();
  nodes_->Stop();
  actors_->Stop();
  if (log_follower_) log_follower_->Stop();
  server_->Shutdown(std::chrono::milliseconds(200));
  loop_->Stop();
}

void CoreWorker::RunTaskLoop() {
  if (!receiver_) return;
  TaskReceiver::AsyncCalls async;
  async.enabled = [this] { return executor_->HasExecuteAsync(); };
  async.start = [this](std::shared_ptr<const rpc::TaskSpec> spec, TaskReceiver::AsyncCalls::Done& done) {
    return executor_->TryExecuteAsync(std::move(spec), done);
  };
  async.run = [this](std::shared_ptr<const rpc::TaskSpec> spec, TaskReceiver::AsyncCalls::Done done) {
    executor_->ExecuteEitherWay(std::move(spec), std::move(done));
  };
  async.cancel = [this](const std::string& task_id) { return executor_->CancelAsync(task_id); };
  async.batch = [this](const std::function<void()>& fn) { executor_->InBatch(fn); };
  receiver_->RunExecutionLoop([this](const rpc::TaskSpec& spec) { return executor_->Execute(spec); },
                              [this](int64_t lease_id) { executor_->ReturnOwnLease(lease_id); }, std::move(async));
}

}  // namespace core
}  // namespace photon
