#pragma once

// WorkerPool: the worker processes of one node.
//
// Workers are started on demand for a job (and a few ahead of time, see
// Prestart), by running the job's worker
// command (for a C++ job, its own executable in worker mode) with the
// worker's identity in the environment:
//   PHOTON_WORKER_ID, PHOTON_JOB_ID, PHOTON_NODE_ID, PHOTON_RAYLET_ADDRESS,
//   PHOTON_CLUSTER_TOKEN, and PHOTON_LOG_DIR when it has a log directory
//   (the worker's own log goes there; its stdout and stderr go to
//   <log_dir>/worker-<id>.out, which `OutputHooks` tell the log monitor of).
// A started worker counts as ready once it calls RegisterWorker (the
// raylet's RegisterWorker RPC) with the port it serves tasks on. Idle workers
// are reused for the same job; workers idle past `idle_timeout` are stopped;
// at most `max_workers` run at once (requests beyond that wait), not
// counting those whose task is blocked in get/wait (SetBlocked: they hold no
// CPU), and at most `max_total_workers` in all, blocked ones included, so a
// recursion of nested gets cannot start unbounded processes; a worker
// that exits, idle or leased, is noticed by Tick (waitpid) and reported to
// `on_worker_died`.
//
//   WorkerPool pool(options, [](const JobID& job) { return command_of(job); });
//   pool.PopWorker(job, {}, /*dedicated=*/false, [](absl::StatusOr<WorkerHandle> w) { ... });
//   loop.RunEvery("WorkerPool.Tick", 100ms, [&] { pool.Tick(); });
//
// Runs only on the raylet loop.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "proto/raylet.pb.h"
#include "raylet/lease_manager.h"

namespace photon {
namespace raylet {

class WorkerPool : public WorkerSource {
 public:
  struct Options {
    int max_workers = 8;
    // Blocked workers included (actors' workers are not counted).
    int max_total_workers = 64;
    std::chrono::milliseconds idle_timeout{60000};
    // A worker that has not registered by then is killed and its requests fail.
    std::chrono::milliseconds start_timeout{30000};
    std::string raylet_address;
    std::string token;
    NodeID node_id;
    // Workers' stdout/stderr go to <log_dir>/worker-<id>.out when set.
    std::string log_dir;
  };
  // The command that starts a worker of `job`; an error fails its requests.
  using CommandForJob = std::function<absl::StatusOr<std::vector<std::string>>(const JobID& job)>;
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  WorkerPool(Options options, CommandForJob command_for_job, Clock clock = std::chrono::steady_clock::now);
  ~WorkerPool() override;
  // Starts workers for `job` ahead of demand until it has `count` starting or
  // idle (within max_workers); unused ones stop after idle_timeout as usual.
  // Returns the start error, if any.
  absl::Status Prestart(const JobID& job, int count);

  // `gpu_ids` are not the pool's business: the lease reply carries them and
  // the worker sets CUDA_VISIBLE_DEVICES before running the lease's tasks.
  void PopWorker(const JobID& job, const std::vector<int>& gpu_ids, bool dedicated,
                 std::function<void(absl::StatusOr<WorkerHandle>)> done) override;
  void PushWorker(const WorkerHandle& worker, bool worker_died) override;
  void SetBlocked(const WorkerID& worker, bool blocked) override;
  bool NewerBlockNotice(const WorkerID& worker, int64_t sequence) override;

  // A started worker says it is ready. NotFound for a worker this pool did
  // not start; FailedPrecondition when it registers twice.
  absl::Status RegisterWorker(const WorkerID& worker, int port, int owner_port = 0);

  // Reaps exited workers, stops long-idle ones, fails starts that took too long.
  void Tick();
  // Stops every worker (SIGTERM, then SIGKILL after `grace`).
  void StopAll(std::chrono::milliseconds grace);

  void set_on_worker_died(std::function<void(const WorkerHandle&, const std::string& how)> fn) {
    on_worker_died_ = std::move(fn);
  }
  // Told of each worker started with an output file (log_dir set), and of
  // its exit once Tick reaps it, whatever its state (not on StopAll: the
  // raylet is going away then). For the log monitor.
  struct OutputHooks {
    std::function<void(const WorkerHandle& worker, const JobID& job, const std::string& path)> on_started;
    std::function<void(const WorkerID& worker)> on_exited;
  };
  void set_output_hooks(OutputHooks hooks) { output_hooks_ = std::move(hooks); }
  // Workers started but not registered yet (tests and diagnostics).
  std::vector<WorkerID> Starting() const;
  int num_workers() const { return static_cast<int>(workers_.size()); }
  int num_idle() const;
  // Every worker but those being stopped: TASK or ACTOR, and STARTING,
  // IDLE or BUSY (leased, or an actor's), in no particular order.
  std::vector<rpc::WorkerStats> Workers() const;
  // Requests waiting for a worker to start or come free.
  int num_waiting() const { return static_cast<int>(waiting_.size()); }

 private:
  // kDedicated: an actor's worker (not counted against max_workers).
  enum class State { kStarting, kIdle, kLeased, kDedicated, kStopping };
  struct Worker {
    WorkerHandle handle;
    JobID job;
    State state = State::kStarting;
    // Started for an actor: not counted against max_workers while starting.
    bool for_actor = false;
    // Leased, and its task waits in get/wait: not counted against max_workers.
    bool blocked = false;
    int64_t block_sequence = 0;  // the newest block notification it sent
    std::chrono::steady_clock::time_point since;
  };
  struct Waiting {
    JobID job;
    bool dedicated = false;
    std::function<void(absl::StatusOr<WorkerHandle>)> done;
  };

  absl::Status Start(const JobID& job, bool for_actor);
  // Hands idle or newly registered workers to waiting requests.
  void Match();
  void Forget(const WorkerID& id);
  // Workers that count against max_workers (not those being stopped, nor
  // blocked ones), and against max_total_workers (blocked ones too).
  int Running() const;
  int Total() const;
  // Room to start one more task worker.
  bool CanStart() const { return Running() < options_.max_workers && Total() < options_.max_total_workers; }

  const Options options_;
  CommandForJob command_for_job_;
  // The max_total_workers warning was logged (once per raylet).
  bool warned_total_cap_ = false;
  Clock clock_;
  absl::flat_hash_map<WorkerID, Worker> workers_;
  std::deque<Waiting> waiting_;
  std::function<void(const WorkerHandle&, const std::string& how)> on_worker_died_;
  OutputHooks output_hooks_;
};

}  // namespace raylet
}  // namespace photon
