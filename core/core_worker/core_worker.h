#pragma once
// CoreWorker: the library inside every driver and worker process (DESIGN.md,
// IDs and ownership; Tasks). It owns the objects this process creates,
// submits tasks through worker leases, serves the owner side of its objects
// to other processes, and, in a worker, runs the tasks pushed to it.
//
//   ASSIGN_OR_RETURN(auto cw, CoreWorker::Start(options));   // driver
//   ASSIGN_OR_RETURN(ObjectID x, cw->Put(Serialize(42)));
//   ASSIGN_OR_RETURN(ObjectID y, cw->SubmitTask("Plus", {TaskArg::ByRef(x), TaskArg::ByValue(Serialize(1))}, {}));
//   ASSIGN_OR_RETURN(auto values, cw->Get({y}, std::chrono::seconds(10)));
//   cw->RemoveLocalReference(x);   // every ID returned by Put/SubmitTask holds one
//
// Objects: values up to kMaxInlineBytes live in this process's MemoryStore
// and travel inline; larger ones are sealed in the local node's object store
// (a primary copy) and their locations are tracked by the ReferenceCounter.
// Get fetches them from the local store, pulling from another node through
// the raylet when needed; a borrowed object is looked up at its owner.
// When the last reference to an owned object goes, its value and every
// known copy are freed; a borrower tells the owner instead.
//
// Failures reach Get as the error kinds of errors.h. A task whose worker or
// node dies is submitted again while attempts remain (max_retries; -1 is
// unlimited); a large return lost with its node is rebuilt by re-running the
// task that made it.
//
// Threads: one EventLoop thread owns submission, streams and the owner
// service; user threads call the public methods (thread-safe). In a worker,
// RunTaskLoop runs tasks on the calling thread.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/base/call_once.h"
#include "absl/synchronization/mutex.h"
#include "core/common/event_loop.h"
#include "core/common/id.h"
#include "core/core_worker/errors.h"
#include "core/core_worker/memory_store.h"
#include "core/core_worker/reference_counter.h"
#include "core/rpc/client_call.h"
#include "proto/core_worker.grpc.pb.h"
#include "proto/gcs.grpc.pb.h"
#include "proto/raylet.grpc.pb.h"

namespace photon {
namespace gcs {
class GcsClient;
class GcsSubscriber;
}
namespace object_store {
class ObjectStoreClient;
}
namespace rpc {
class GrpcServer;
}
namespace core {

class ActorSubmitter;
class LogPrinter;
class NodeDirectory;
class TaskEventBuffer;
class TaskReceiver;
class TaskSubmitter;
class OwnerService;

// Results up to this size travel inline in replies and live in the owner.
inline constexpr int64_t kMaxInlineBytes = 100 << 10;

// The values of a task's arguments, as the worker executes it.
using TaskArgValues = std::vector<std::shared_ptr<const StoredObject>>;

struct CoreWorkerOptions {
  bool is_driver = true;
  // Driver: the GCS (HOST:PORT). A worker learns it from its raylet.
  std::string gcs_address;
  // The local raylet (HOST:PORT). Driver: empty picks the head node's raylet
  // on this machine, else any alive one.
  std::string raylet_address;
  std::string token;
  // Worker: its job and ID (from PHOTON_JOB_ID / PHOTON_WORKER_ID).
  JobID job;
  WorkerID worker_id;
  // The IP other processes reach this one at.
  std::string node_ip = "127.0.0.1";
  // Driver: how a raylet starts this job's workers.
  std::vector<std::string> worker_command;
  // Driver: shown in the job table.
  std::string entrypoint;
  std::string namespace_name;
  // Driver: print what this job's workers print (stdout and stderr, any
  // node) on this process's stdout, each line prefixed with
  // "(pid=<worker pid>, node=<first 4 hex digits of its node id>) ".
  // Workers never do.
  bool log_to_driver = true;
  // Worker: runs a task's function on its arguments (spec.actor_creation:
  // constructs the actor; spec.actor_id set: calls a method of it); returns
  // its spec.num_returns serialized results, or an error whose message
  // reaches the caller's get as a TaskError (with WithErrorValue: also the
  // error as a language value). Arguments from the local object store are
  // read in place (StoredObject::view).
  using Execute =
      std::function<absl::StatusOr<std::vector<std::string>>(const rpc::TaskSpec& spec, const TaskArgValues& args)>;
  Execute execute;
};

// One argument of a task.
struct TaskArg {
  bool is_ref = false;
  std::string value;  // by value
  ObjectID ref;       // by reference
  // References serialized inside `value`; the task borrows them.
  std::vector<ObjectID> nested_refs;

  static TaskArg ByValue(std::string v, std::vector<ObjectID> nested = {}) {
    TaskArg a;
    a.value = std::move(v);
    a.nested_refs = std::move(nested);
    return a;
  }
  static TaskArg ByRef(const ObjectID& id) {
    TaskArg a;
    a.is_ref = true;
    a.ref = id;
    return a;
  }
};

struct TaskOptions {
  // Default: {"CPU": 1}.
  std::map<std::string, double> resources = {{"CPU", 1}};
  rpc::LeaseSchedulingStrategy strategy;
  // Attempts after the first for system failures; -1: unlimited.
  int max_retries = 3;
  // Also retry (within max_retries) when the function raised.
  bool retry_exceptions = false;
  // How many objects the task returns (0: none).
  int num_returns = 1;
};

struct ActorOptions {
  // Held for the actor's life. Default: none (as in Ray, an actor holds no
  // CPU while it runs); set {"CPU": 1} to reserve one.
  std::map<std::string, double> resources;
  rpc::LeaseSchedulingStrategy strategy;
  // Named actors are found with GetNamedActor; names are unique per namespace.
  std::string name;
  // Empty: the creator's namespace.
  std::string namespace_name;
  // A detached actor outlives its creator's job (until killed).
  bool detached = false;
  // With a name: the live actor of that name if there is one, else a new one.
  bool get_if_exists = false;
  int max_restarts = 0;      // -1: unlimited
  int max_task_retries = 0;  // -1: unlimited
  int max_concurrency = 1;
  std::string class_name;
};

class CoreWorker {
 public:
  static absl::StatusOr<std::unique_ptr<CoreWorker>> Start(CoreWorkerOptions options);
  ~CoreWorker();
  CoreWorker(const CoreWorker&) = delete;
  CoreWorker& operator=(const CoreWorker&) = delete;

  // Returns leases, marks a driver's job finished, stops threads.
  void Shutdown();
  // Worker: runs pushed tasks on this thread until Shutdown.
  void RunTaskLoop();

  // --- objects (every returned ID carries one local reference) ---
  absl::StatusOr<ObjectID> Put(const std::string& data);
  // Put of a `size`-byte value that `fill` writes into the buffer it is
  // given (shared memory for a large value: one copy in all).
  absl::StatusOr<ObjectID> PutWith(int64_t size, const std::function<void(char*)>& fill);
  // An object this process owns whose (small) value comes later, with
  // Fulfill: gets wait for it meanwhile.
  absl::StatusOr<ObjectID> CreatePending();
  absl::Status Fulfill(const ObjectID& id, std::string data);
  // The values of `ids` (Serialize()d bytes), waiting up to `timeout`
  // (negative: forever). Errors carry an ErrorKind (errors.h).
  absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> Get(const std::vector<ObjectID>& ids,
                                                                       std::chrono::milliseconds timeout);
  // ready[i] for ids[i]: at least `num_returns` ready, or the timeout passed.
  absl::StatusOr<std::vector<bool>> Wait(const std::vector<ObjectID>& ids, int num_returns,
                                         std::chrono::milliseconds timeout);
  void AddLocalReference(const ObjectID& id);
  void RemoveLocalReference(const ObjectID& id);
  // A reference deserialized in this process: borrow it from `owner` (no-op
  // for our own objects) and take a local reference.
  void AddBorrowedReference(const ObjectID& id, const rpc::Address& owner);
  // The owner of a known object (this process for owned ones).
  std::optional<rpc::Address> OwnerOf(const ObjectID& id) const;

  // --- tasks ---
  // The references to its options.num_returns results.
  absl::StatusOr<std::vector<ObjectID>> SubmitTask(const std::string& function, std::vector<TaskArg> args,
                                                   const TaskOptions& options);
  // Cancels the task that makes `id`; NotFound when it already finished.
  absl::Status Cancel(const ObjectID& id, bool force);

  // --- actors (core_worker_actors.cc) ---
  // Registers the actor with the GCS, which creates it by running `factory`.
  // AlreadyExists when its name is taken.
  absl::StatusOr<ActorID> CreateActor(const std::string& factory, std::vector<TaskArg> args,
                                      const ActorOptions& options);
  // Calls `method` on the actor; the references are to its `num_returns` results.
  absl::StatusOr<std::vector<ObjectID>> SubmitActorTask(const ActorID& actor, const std::string& method,
                                                        std::vector<TaskArg> args, int num_returns = 1);
  // Ends the actor now; without `no_restart` it restarts if it may.
  absl::Status KillActor(const ActorID& actor, bool no_restart);
  // `ns` empty: this job's namespace. NotFound when no live actor has the name.
  absl::StatusOr<ActorID> GetNamedActor(const std::string& name, const std::string& ns);
  // This process's namespace.
  const std::string& namespace_name() const { return options_.namespace_name; }

  // --- placement groups (core_worker_placement_groups.cc) ---
  absl::StatusOr<PlacementGroupID> CreatePlacementGroup(const std::vector<std::map<std::string, double>>& bundles,
                                                        rpc::PlacementStrategy strategy, const std::string& name,
                                                        bool detached);
  absl::Status RemovePlacementGroup(const PlacementGroupID& id);
  // By id, or (id nil) by name in this job's namespace.
  absl::StatusOr<rpc::PlacementGroupTableData> GetPlacementGroup(const PlacementGroupID& id,
                                                                 const std::string& name = "");
  // True once every bundle is reserved; false when `timeout` passed first.
  // NotFound / FailedPrecondition for an unknown or removed group.
  absl::StatusOr<bool> WaitPlacementGroup(const PlacementGroupID& id, std::chrono::milliseconds timeout);

  // --- context ---
  const JobID& job() const { return job_; }
  const NodeID& node_id() const { return node_id_; }
  const WorkerID& worker_id() const { return worker_id_; }
  const rpc::Address& address() const { return address_; }
  // The task running on this thread (a driver's own task outside tasks).
  TaskID CurrentTask() const;
  NodeDirectory& nodes() { return *nodes_; }
  gcs::GcsClient& gcs() { return *gcs_; }

 private:
  friend class OwnerService;
  struct PendingTask {
    // Shared with the submitter while it holds the task.
    std::shared_ptr<rpc::TaskSpec> spec;
    std::vector<ObjectID> arg_refs;  // submitted-task references held
    std::vector<ObjectID> return_ids;
  };

  explicit CoreWorker(CoreWorkerOptions options);
  absl::Status Connect();

  // Fills `task` (spec already has ids, function, options) with `args`,
  // takes the references, and queues it for the loop.
  absl::StatusOr<std::vector<ObjectID>> Enqueue(std::shared_ptr<PendingTask> task, const TaskID& task_id,
                                                std::vector<TaskArg> args);
  // Adds `args` to `spec` and takes submitted-task references on the
  // objects they name (appended to `refs`).
  absl::Status FillArgs(rpc::TaskSpec& spec, std::vector<TaskArg> args, std::vector<ObjectID>* refs);
  // Follows the GCS ACTOR channel (from the first actor this process meets).
  void FollowActors();
  // Driver: follows WORKER_LOGS, printing this job's lines (log_printer.h).
  void FollowWorkerLogs();
  // A PLACEMENT_GROUP strategy gets the node of its bundle (waiting for the
  // group to be placed); other strategies pass unchanged.
  absl::Status ResolveBundleNode(rpc::LeaseSchedulingStrategy* strategy);
  // The GCS's answer to this process's creation of `id` (OK(PG_PENDING) for
  // groups made elsewhere), once it came.
  absl::StatusOr<rpc::PlacementGroupState> AwaitCreation(const PlacementGroupID& id);

  // Submission (loop).
  void DrainSubmissions();
  void ResolveAndSubmit(std::shared_ptr<PendingTask> task);
  void OnTaskReply(const rpc::TaskSpec& spec, const rpc::TaskReply& reply, const NodeID& node, const WorkerID& worker);
  // `value`: the error as a language value (a failed argument's), kept in the
  // error objects of the task's returns.
  void OnTaskFailure(const rpc::TaskSpec& spec, ErrorKind kind, const std::string& message,
                     const std::string& value = "");
  void FinishTask(const std::string& task_id);
  void RecordEvent(const rpc::TaskSpec& spec, rpc::TaskState state, const NodeID& node, const WorkerID& worker,
                   const std::string& error = "", const std::string& function = "");

  // Objects.
  void OnOutOfScope(const ObjectID& id, const Reference& ref);
  void FreeOnLoop(const ObjectID& id, const Reference& ref);
  void FreeAllOwned();
  void RequestOwnerStatus(const ObjectID& id);
  absl::StatusOr<std::shared_ptr<const StoredObject>> FetchFromStore(
      const ObjectID& id, std::chrono::steady_clock::time_point deadline);
  std::vector<std::string> HolderAddresses(const ObjectID& id);
  void NoteLocalCopy(const ObjectID& id);
  void OnNodeDead(const NodeID& node);
  absl::Status StoreLarge(const ObjectID& id, const std::string& data, const rpc::Address& owner);

  // Execution (worker).
  rpc::TaskReply Execute(const rpc::TaskSpec& spec);
  void ReturnOwnLease(int64_t lease_id);

  CoreWorkerOptions options_;
  JobID job_;
  NodeID node_id_;
  WorkerID worker_id_;
  rpc::Address address_;
  std::string raylet_address_;
  std::string object_manager_address_;
  TaskID driver_task_;
  TaskID put_task_;
  std::atomic<uint32_t> put_index_{0};
  ActorID nil_actor_;

  EventLoop loop_;
  std::unique_ptr<gcs::GcsClient> gcs_;
  std::unique_ptr<NodeDirectory> nodes_;
  std::shared_ptr<object_store::ObjectStoreClient> store_;
  std::unique_ptr<ReferenceCounter> refs_;
  MemoryStore memory_store_;
  std::unique_ptr<TaskEventBuffer> events_;
  std::unique_ptr<TaskSubmitter> submitter_;
  std::unique_ptr<ActorSubmitter> actor_submitter_;
  std::unique_ptr<gcs::GcsSubscriber> actor_subscriber_;
  absl::once_flag follow_actors_once_;
  std::unique_ptr<LogPrinter> log_printer_;
  std::unique_ptr<gcs::GcsSubscriber> log_subscriber_;
  std::unique_ptr<TaskReceiver> receiver_;
  std::unique_ptr<OwnerService> owner_service_;
  std::unique_ptr<rpc::GrpcServer> server_;
  std::unique_ptr<rpc::RayletService::Stub> local_raylet_;
  std::unique_ptr<rpc::PlacementGroupInfoGcsService::Stub> placement_groups_;
  bool shut_down_ = false;

  // Loop-only state.
  absl::flat_hash_map<std::string, std::shared_ptr<PendingTask>> pending_;  // by task id bytes
  // Specs of finished tasks whose large returns may need rebuilding.
  absl::flat_hash_map<ObjectID, rpc::TaskSpec> lineage_;
  rpc::StubCache<rpc::CoreWorkerService> owner_stubs_;
  rpc::StubCache<rpc::RayletService> raylet_stubs_;

  // Submitted by user threads, not yet taken by the loop.
  absl::Mutex submit_mu_;
  std::vector<std::shared_ptr<PendingTask>> to_submit_ ABSL_GUARDED_BY(submit_mu_);

  mutable absl::Mutex mu_;
  // Borrowed objects whose status was asked of their owner.
  absl::flat_hash_set<ObjectID> status_requested_ ABSL_GUARDED_BY(mu_);
  // Where borrowed objects in object stores are (from their owners).
  absl::flat_hash_map<ObjectID, std::vector<rpc::ObjectLocation>> borrowed_locations_ ABSL_GUARDED_BY(mu_);
  // Which task makes each owned return (for Cancel).
  absl::flat_hash_map<ObjectID, TaskID> return_to_task_ ABSL_GUARDED_BY(mu_);
  // Borrowed objects this worker reported to their owners (RemoveBorrower due).
  absl::flat_hash_set<ObjectID> reported_borrows_ ABSL_GUARDED_BY(mu_);
  // Placement groups this process created, by the GCS's answer to the
  // creation (sent without waiting): PG_CREATED, PG_PENDING, or an error.
  absl::flat_hash_map<PlacementGroupID, std::shared_future<absl::StatusOr<rpc::PlacementGroupState>>> created_groups_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace core
}  // namespace photon
