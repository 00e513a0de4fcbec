#pragma once
// TaskSubmitter: gets workers for submitted tasks and pushes the tasks to
// them (DESIGN.md, Tasks 1-3).
//
// Tasks are grouped by scheduling key (resource shape + strategy). For each
// key with queued tasks it asks the local raylet for worker leases (several
// at once when many tasks wait), follows a spillback to the raylet named in
// the reply, connects a TaskStream to each leased worker and pushes tasks
// there: one at a time, or, to a worker whose tasks finish fast while at
// least kPipelineQueueDepth tasks wait, up to kMaxInFlightPerLease batched in
// one frame, so a stream of small tasks costs far less than a round trip
// each. (A task pipelined behind a long one waits for it; tasks are not
// stolen back from a busy worker.) A
// lease with nothing to do is kept for kLeaseLinger (the next task usually
// comes soon) and then returned, or at once when the raylet granted it while
// other requests waited (node_busy): an idle lease would hold CPUs others
// wait for (a recursion of nested tasks would crawl).
//
// It reports each attempt's outcome through the callbacks and never retries
// by itself: the core worker decides (max_retries) and submits again.
// A lease request pending for a while whose shape no alive node can hold
// prints a warning naming the shape (once per shape); the request stays
// queued at the raylet, as demand for the autoscaler, and other keys go on.
//
// Owned by the core worker's loop: call everything on the loop thread.
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "core/common/event_loop.h"
#include "core/common/id.h"
#include "core/core_worker/errors.h"
#include "core/core_worker/node_directory.h"
#include "core/rpc/client_cache.h"
#include "core/rpc/raylet_client.h"
#include "core/rpc/task_stream.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace core {

class TaskSubmitter {
 public:
  static constexpr int kMaxInFlightPerLease = 256;
  // Tasks waiting for a key before its fast workers get several at once.
  static constexpr size_t kPipelineQueueDepth = 8;
  static constexpr int kMaxPendingLeaseRequests = 16;
  static constexpr std::chrono::milliseconds kLeaseLinger{200};
  // A worker whose last task ran shorter than this gets tasks pipelined.
  static constexpr int64_t kFastTaskMicros = 2000;

  struct Options {
    std::string local_raylet_address;
    std::string token;
    JobID job;
    WorkerID worker;  // this process (the owner of its leases)
    std::vector<std::string> worker_command;
  };
  struct Callbacks {
    // The worker answered (any outcome but a system failure).
    std::function<void(const rpc::TaskSpec&, const rpc::TaskReply&, const NodeID& node,
                       const WorkerID& worker)>
        on_reply;
    // The attempt failed for a system reason (worker or node died, no worker
    // could start, cancelled).
    std::function<void(const rpc::TaskSpec&, ErrorKind kind, const std::string& message)> on_failure;
    // The task was pushed to a worker.
    std::function<void(const rpc::TaskSpec&, const NodeID& node, const WorkerID& worker)> on_pushed;
  };

  TaskSubmitter(EventLoop& loop, Options options, NodeDirectory& nodes, Callbacks callbacks);
  ~TaskSubmitter();

  // The spec is shared with the caller (retries update its attempt).
  void Submit(std::shared_ptr<rpc::TaskSpec> spec);
  // Cancels a queued task (reported as kTaskCancelled) or a pushed one: its
  // outcome becomes kTaskCancelled, and with `force` its worker is ended
  // (through the raylet) so a running task stops; the lease's other tasks
  // are queued again.
  // False when the task is not known here.
  bool Cancel(const TaskID& task, bool force);
  // The CoreWorkerService (HOST:PORT) of the worker a pushed task went to;
  // empty when not pushed (or not known).
  std::string WorkerOf(const TaskID& task) const;
  // Returns every lease and drops queued tasks (no callbacks).
  void Shutdown();
  size_t NumPending() const { return tasks_.size(); }

 private:
  struct Lease;
  struct Key;
  struct Task {
    std::shared_ptr<rpc::TaskSpec> spec;
    Key* key = nullptr;
    std::shared_ptr<Lease> lease;  // set once pushed
    bool cancelled = false;
  };
  struct Lease {
    int64_t lease_id = 0;
    std::string raylet_address;
    std::string worker_address;  // HOST:PORT, for messages
    std::string worker_owner_address;  // HOST:PORT of its CoreWorkerService (empty: unknown)
    WorkerID worker;
    NodeID node;
    std::vector<int> gpu_ids;
    std::shared_ptr<rpc::TaskStream> stream;
    bool connected = false;
    bool returned = false;
    Key* key = nullptr;
    absl::flat_hash_set<std::string> in_flight;  // task ids
    int64_t last_run_micros = -1;
    // When it last ran out of work, and whether a linger timer is armed
    // (one at a time: a stream of sync tasks idles it after every task).
    std::chrono::steady_clock::time_point idle_since;
    bool linger_armed = false;
    // Granted while the node was busy: returned as soon as it is idle.
    bool return_when_idle = false;
  };
  struct Key {
    std::string name;
    rpc::ResourceSet resources;
    rpc::LeaseSchedulingStrategy strategy;
    std::deque<std::string> queue;  // task ids not pushed yet
    std::vector<std::shared_ptr<Lease>> leases;
    int pending_lease_requests = 0;
    bool warned_infeasible = false;
  };

  static std::string KeyOf(const rpc::TaskSpec& spec);
  void Pump(Key& key);
  void PushTo(const std::shared_ptr<Lease>& lease);
  void RequestLease(Key& key, const std::string& raylet_address, bool spilled_back);
  void OnLeaseReply(Key* key, const std::string& raylet_address, bool spilled_back,
                    absl::StatusOr<rpc::RequestWorkerLeaseReply> reply);
  // The lease request failed: ask again, or fail the key's queued tasks.
  void OnLeaseFailed(Key* key, const std::string& raylet_address, bool spilled_back, const absl::Status& status);
  void OnConnected(const std::shared_ptr<Lease>& lease, absl::StatusOr<std::shared_ptr<rpc::TaskStream>> stream);
  void OnFrame(const std::shared_ptr<Lease>& lease, const rpc::TaskStreamFrame& frame);
  void OnLeaseLost(const std::shared_ptr<Lease>& lease, const std::string& why);
  void FailLeaseTasks(const std::shared_ptr<Lease>& lease, ErrorKind kind, const std::string& why);
  void ReturnLease(const std::shared_ptr<Lease>& lease, bool worker_died);
  void DropLease(const std::shared_ptr<Lease>& lease);
  void MaybeIdle(const std::shared_ptr<Lease>& lease);
  void ArmLinger(const std::shared_ptr<Lease>& lease, std::chrono::steady_clock::duration delay);
  void FailQueued(Key& key, ErrorKind kind, const std::string& why);
  void CheckFeasible(Key* key);

  EventLoop& loop_;
  const Options options_;
  NodeDirectory& nodes_;
  const Callbacks callbacks_;
  bool shut_down_ = false;
  absl::flat_hash_map<std::string, std::unique_ptr<Key>> keys_;
  absl::flat_hash_set<Key*> dirty_keys_;  // keys with new tasks, pumped soon
  bool pump_scheduled_ = false;
  absl::flat_hash_map<std::string, Task> tasks_;  // by task id bytes
  rpc::ClientCache<rpc::RayletClient> raylets_;
};

}  // namespace core
}  // namespace photon
