#pragma once
// CoreWorker: the library inside every driver and worker process (DESIGN.md,
// IDs and ownership; Tasks). It only wires together the classes that do the
// work, each with one concern:
//
//   objects()           ObjectCalls          put, get, wait, references
//   tasks()             TaskCalls            submit and cancel normal tasks
//   actors()            ActorCalls           create, call, find, kill actors
//   placement_groups()  PlacementGroupCalls  create, wait, find, remove groups
//   cluster()           ClusterCalls         nodes, resources, function table, KV
//   executor()          TaskExecutor         (worker) runs pushed tasks
// and, inside: TaskManager (submitted tasks to their results, retries,
// lineage), BorrowedObjects (objects owned elsewhere), ObjectFetcher (store
// objects, pulls), ObjectReleaser (freeing), OwnerService (the owner's RPCs),
// NodeDirectory, TaskEventBuffer, WorkerLogFollower (driver output).
//
//   ASSIGN_OR_RETURN(auto cw, CoreWorker::Start(options));   // driver
//   ASSIGN_OR_RETURN(ObjectID x, cw->objects().Put(Serialize(42)));
//   ASSIGN_OR_RETURN(auto y, cw->tasks().Submit("Plus", {TaskArg::ByRef(x), TaskArg::ByValue(Serialize(1))}, {}));
//   ASSIGN_OR_RETURN(auto values, cw->objects().Get(y, std::chrono::seconds(10)));
//   cw->objects().RemoveLocalReference(x);   // every ID returned by Put/Submit holds one
//
// Start connects first (worker_connector.h): the process's WorkerIdentity is
// known, and constant, before any part is built.
//
// Threads: one EventLoop thread owns submission, streams and the owner
// service; user threads call the parts (each says what it allows). In a
// worker, RunTaskLoop runs tasks on the calling thread.
#include <atomic>
#include <memory>

#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/core_worker/actor_calls.h"
#include "core/core_worker/cluster_calls.h"
#include "core/core_worker/core_worker_options.h"
#include "core/core_worker/object_calls.h"
#include "core/core_worker/placement_group_calls.h"
#include "core/core_worker/task_calls.h"
#include "core/core_worker/task_executor.h"
#include "core/core_worker/worker_identity.h"
#include "core/rpc/client_cache.h"
#include "core/rpc/core_worker_client.h"
#include "core/rpc/raylet_client.h"
#include "gcs/client/async_gcs_client.h"

namespace photon {
namespace rpc {
class GrpcServer;
}
namespace core {

class ObjectReleaser;
class OwnerService;
class TaskReceiver;
class WorkerLogFollower;

class CoreWorker {
 public:
  static absl::StatusOr<std::unique_ptr<CoreWorker>> Start(CoreWorkerOptions options);
  ~CoreWorker();
  CoreWorker(const CoreWorker&) = delete;
  CoreWorker& operator=(const CoreWorker&) = delete;

  // Returns leases, frees a driver's objects and marks its job finished,
  // stops threads. Calls made after it fail with ShutDownError().
  void Shutdown();
  // Worker: runs pushed tasks on this thread until Shutdown.
  void RunTaskLoop();

  ObjectCalls& objects() { return *objects_; }
  TaskCalls& tasks() { return *tasks_; }
  ActorCalls& actors() { return *actors_; }
  PlacementGroupCalls& placement_groups() { return *placement_groups_; }
  ClusterCalls& cluster() { return *cluster_; }
  TaskExecutor& executor() { return *executor_; }
  const WorkerIdentity& identity() const { return identity_; }

 private:
  // What Start makes before the identity is known: the loop, the owner
  // service's server (its port is part of the identity) and, in a worker,
  // the socket pushed tasks arrive on (the raylet hands out its port).
  struct Endpoints {
    std::unique_ptr<EventLoop> loop;
    std::unique_ptr<rpc::GrpcServer> server;
    std::unique_ptr<OwnerService> owner_service;
    std::unique_ptr<TaskReceiver> receiver;
    int task_port = 0;

    // Stops the server and the loop (when Start fails before the worker exists).
    void Close();
  };
  static absl::StatusOr<Endpoints> OpenEndpoints(const CoreWorkerOptions& options);

  CoreWorker(CoreWorkerOptions options, WorkerIdentity identity, Endpoints endpoints,
             std::shared_ptr<object_store::ObjectStoreClient> store);
  void BuildObjects();
  void BuildTasks();
  // The steps of Start that can fail once the parts exist.
  absl::Status StartServices();

  const CoreWorkerOptions options_;
  const WorkerIdentity identity_;
  std::atomic<bool> shut_down_{false};

  std::unique_ptr<EventLoop> loop_;
  std::unique_ptr<rpc::GrpcServer> server_;
  std::unique_ptr<OwnerService> owner_service_;
  std::unique_ptr<TaskReceiver> receiver_;
  // Calls from user code wait out a GCS restart (gcs::ThroughGcsRestart);
  // task events and the job's end, sent in the background or at exit, try briefly.
  std::unique_ptr<gcs::GcsClient> gcs_;
  std::unique_ptr<gcs::GcsClient> brief_gcs_;
  std::unique_ptr<gcs::AsyncGcsClient> async_gcs_;
  std::unique_ptr<rpc::RayletClient> local_raylet_;
  // Loop-owned clients of other processes.
  rpc::ClientCache<rpc::CoreWorkerClient> owners_;
  rpc::ClientCache<rpc::RayletClient> raylets_;
  std::shared_ptr<object_store::ObjectStoreClient> store_;

  MemoryStore memory_store_;
  std::unique_ptr<ReferenceCounter> refs_;
  std::unique_ptr<NodeDirectory> nodes_;
  std::unique_ptr<TaskEventBuffer> events_;
  std::unique_ptr<BorrowedObjects> borrowed_;
  std::unique_ptr<ObjectReleaser> releaser_;
  std::unique_ptr<WorkerBlocking> blocking_;
  std::unique_ptr<ObjectFetcher> fetcher_;
  std::unique_ptr<ObjectCalls> objects_;
  std::unique_ptr<PlacementGroupCalls> placement_groups_;  // before the task manager, which uses it
  std::unique_ptr<TaskManager> task_manager_;
  std::unique_ptr<TaskCalls> tasks_;
  std::unique_ptr<ActorCalls> actors_;
  std::unique_ptr<ClusterCalls> cluster_;
  std::unique_ptr<TaskExecutor> executor_;
  std::unique_ptr<WorkerLogFollower> log_follower_;
};

}  // namespace core
}  // namespace photon
