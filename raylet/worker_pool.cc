#include "raylet/worker_pool.h"

#include <signal.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/common/process.h"

namespace photon {
namespace raylet {
namespace {

// "exited with code 1", "was killed by signal 9": how a worker's end is told.
std::string HowItEnded(const ExitStatus& exit) {
  if (exit.signal > 0) return absl::StrCat("was killed by signal ", exit.signal);
  if (exit.exit_code >= 0) return absl::StrCat("exited with code ", exit.exit_code);
  return "exited";
}

}  // namespace

WorkerPool::WorkerPool(Options options, CommandForJob command_for_job, Clock clock)
    : options_(std::move(options)), command_for_job_(std::move(command_for_job)), clock_(std::move(clock)) {}

WorkerPool::~WorkerPool() { StopAll(std::chrono::milliseconds(0)); }

int WorkerPool::num_idle() const {
  int idle = 0;
  for (const auto& [id, w] : workers_) idle += w.state == State::kIdle;
  return idle;
}

std::vector<rpc::WorkerStats> WorkerPool::Workers() const {
  std::vector<rpc::WorkerStats> out;
  for (const auto& [id, w] : workers_) {
    if (w.state == State::kStopping) continue;
    rpc::WorkerStats stats;
    stats.set_worker_id(id.Binary());
    stats.set_pid(w.handle.pid);
    stats.set_job_id(w.job.Binary());
    const bool actor = w.state == State::kDedicated || (w.state == State::kStarting && w.for_actor);
    stats.set_kind(actor ? rpc::WorkerStats::ACTOR : rpc::WorkerStats::TASK);
    stats.set_state(w.state == State::kStarting ? rpc::WorkerStats::STARTING
                    : w.state == State::kIdle   ? rpc::WorkerStats::IDLE
                                                : rpc::WorkerStats::BUSY);
    out.push_back(std::move(stats));
  }
  return out;
}

std::vector<WorkerID> WorkerPool::Starting() const {
  std::vector<WorkerID> ids;
  for (const auto& [id, w] : workers_) {
    if (w.state == State::kStarting) ids.push_back(id);
  }
  return ids;
}

absl::Status WorkerPool::Start(const JobID& job, bool for_actor) {
  absl::StatusOr<std::vector<std::string>> command = command_for_job_(job);
  if (!command.ok()) return command.status();
  if (command->empty()) return absl::InvalidArgumentError("job " + job.Hex() + " has an empty worker command");
  const WorkerID id = WorkerID::FromRandom();
  std::vector<std::pair<std::string, std::string>> env = {
      {"PHOTON_WORKER_ID", id.Hex()},
      {"PHOTON_JOB_ID", job.Hex()},
      {"PHOTON_NODE_ID", options_.node_id.Hex()},
      {"PHOTON_RAYLET_ADDRESS", options_.raylet_address},
      {"PHOTON_CLUSTER_TOKEN", options_.token}};
  // Without a log directory a worker writes where the raylet does.
  const std::string out = options_.log_dir.empty() ? ""
                                                   : absl::StrCat(options_.log_dir, "/worker-", id.ShortHex(), ".out");
  if (!options_.log_dir.empty()) env.emplace_back("PHOTON_LOG_DIR", options_.log_dir);
  SpawnOptions spawn;
  spawn.argv = *command;
  spawn.search_path = true;
  spawn.env = std::move(env);
  spawn.log_path = out;
  // Its own process group: a Ctrl-C meant for the raylet's terminal is the
  // raylet's to handle. A worker never outlives its raylet: its leases and
  // store are gone.
  spawn.group = SpawnOptions::Group::kNewProcessGroup;
  spawn.die_with_parent = true;
  absl::StatusOr<pid_t> pid = Spawn(spawn);
  if (!pid.ok()) return pid.status();
  Worker worker;
  worker.handle.id = id;
  worker.handle.pid = *pid;
  worker.job = job;
  worker.since = clock_();
  worker.for_actor = for_actor;
  workers_[id] = worker;
  if (!out.empty() && output_hooks_.on_started) output_hooks_.on_started(worker.handle, job, out);
  PHOTON_LOG(INFO) << "started worker " << id.Hex() << " (pid " << *pid << ") for job " << job.Hex();
  return absl::OkStatus();
}

absl::Status WorkerPool::Prestart(const JobID& job, int count) {
  int ready = 0;
  for (const auto& [id, w] : workers_) {
    if (w.job == job && (w.state == State::kStarting || w.state == State::kIdle)) ready++;
  }
  for (; ready < count && CanStart(); ready++) {
    absl::Status s = Start(job, false);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

void WorkerPool::PopWorker(const JobID& job, const std::vector<int>& gpu_ids, bool dedicated,
                           std::function<void(absl::StatusOr<WorkerHandle>)> done) {
  waiting_.push_back(Waiting{job, dedicated, std::move(done)});
  Match();
}

void WorkerPool::Match() {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    Worker* idle = nullptr;
    int starting_for_job = 0;
    int waiting_for_job = 0;
    for (auto& [id, w] : workers_) {
      if (w.job != it->job) continue;
      if (w.state == State::kIdle && idle == nullptr) idle = &w;
      if (w.state == State::kStarting) starting_for_job++;
    }
    for (auto w = waiting_.begin(); w != it; ++w) waiting_for_job += w->job == it->job;
    if (idle != nullptr) {
      idle->state = it->dedicated ? State::kDedicated : State::kLeased;
      idle->for_actor = it->dedicated;
      idle->since = clock_();
      auto done = std::move(it->done);
      WorkerHandle handle = idle->handle;
      it = waiting_.erase(it);
      done(handle);
      continue;
    }
    // One start per waiting request: requests ahead of this one for the
    // same job consume the workers already starting.
    if (starting_for_job <= waiting_for_job && it->dedicated) {
      // An actor's worker is not capped.
      absl::Status started = Start(it->job, true);
      if (!started.ok()) {
        auto done = std::move(it->done);
        it = waiting_.erase(it);
        done(started);
        continue;
      }
    } else if (starting_for_job <= waiting_for_job) {
      if (!CanStart()) {
        // Make room: stop an idle worker of another job, if any (Tick reaps it).
        for (auto& [id, w] : workers_) {
          if (w.state == State::kIdle) {
            kill(w.handle.pid, SIGTERM);
            w.state = State::kStopping;
            break;
          }
        }
      }
      if (CanStart()) {
        absl::Status started = Start(it->job, false);
        if (!started.ok()) {
          auto done = std::move(it->done);
          it = waiting_.erase(it);
          done(started);
          continue;
        }
      } else if (Total() >= options_.max_total_workers && !warned_total_cap_) {
        warned_total_cap_ = true;
        PHOTON_LOG(WARNING) << "this node runs " << Total() << " task workers, the most it starts (--max-workers), "
                            << "and tasks wait for one: those blocked in get/wait hold theirs, so nesting "
                            << "deeper than that waits until one finishes";
      }
    }
    ++it;
  }
}

absl::Status WorkerPool::RegisterWorker(const WorkerID& worker, int port, int owner_port) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return absl::NotFoundError("worker " + worker.Hex() + " was not started by this raylet");
  if (it->second.state != State::kStarting) {
    return absl::FailedPreconditionError("worker " + worker.Hex() + " registered twice");
  }
  if (port <= 0 || port > 65535) return absl::InvalidArgumentError(absl::StrCat("worker port ", port, " is not a port"));
  it->second.handle.ip = "127.0.0.1";
  it->second.handle.port = port;
  it->second.handle.owner_port = owner_port;
  it->second.state = State::kIdle;
  it->second.since = clock_();
  Match();
  return absl::OkStatus();
}

void WorkerPool::PushWorker(const WorkerHandle& worker, bool worker_died) {
  auto it = workers_.find(worker.id);
  if (it == workers_.end()) return;  // already reaped
  if (worker_died) {
    kill(it->second.handle.pid, SIGKILL);
    return;  // Tick reaps it
  }
  it->second.state = State::kIdle;
  it->second.for_actor = false;
  it->second.blocked = false;
  it->second.since = clock_();
  Match();
}

void WorkerPool::SetBlocked(const WorkerID& worker, bool blocked) {
  auto it = workers_.find(worker);
  if (it == workers_.end() || it->second.blocked == blocked) return;
  it->second.blocked = blocked;
  // A blocked worker makes room under max_workers for the tasks it waits for.
  if (blocked) Match();
}

bool WorkerPool::NewerBlockNotice(const WorkerID& worker, int64_t sequence) {
  auto it = workers_.find(worker);
  if (it == workers_.end() || sequence <= it->second.block_sequence) return false;
  it->second.block_sequence = sequence;
  return true;
}

void WorkerPool::Forget(const WorkerID& id) { workers_.erase(id); }

int WorkerPool::Running() const {
  int running = 0;
  for (const auto& [id, w] : workers_) {
    running += w.state != State::kStopping && w.state != State::kDedicated && !w.for_actor && !w.blocked;
  }
  return running;
}

int WorkerPool::Total() const {
  int total = 0;
  for (const auto& [id, w] : workers_) {
    total += w.state != State::kStopping && w.state != State::kDedicated && !w.for_actor;
  }
  return total;
}

void WorkerPool::Tick() {
  const auto now = clock_();
  std::vector<std::pair<WorkerHandle, std::string>> died;
  for (auto& [id, w] : workers_) {
    if (std::optional<ExitStatus> exited = ReapIfExited(w.handle.pid)) {
      died.emplace_back(w.handle, HowItEnded(*exited));
      continue;
    }
    if (w.state == State::kIdle && now - w.since > options_.idle_timeout) {
      kill(w.handle.pid, SIGTERM);  // reaped on a later tick
      w.state = State::kStopping;
    }
    if (w.state == State::kStarting && now - w.since > options_.start_timeout) {
      kill(w.handle.pid, SIGKILL);
    }
  }
  for (const auto& [handle, how] : died) {
    const bool was_starting = workers_[handle.id].state == State::kStarting;
    const bool stopping = workers_[handle.id].state == State::kStopping;
    Forget(handle.id);
    if (output_hooks_.on_exited) output_hooks_.on_exited(handle.id);
    if (was_starting) {
      PHOTON_LOG(ERROR) << "worker " << handle.id.Hex() << " (pid " << handle.pid << ") " << how << " before it registered";
    } else {
      PHOTON_LOG(INFO) << "worker " << handle.id.Hex() << " (pid " << handle.pid << ") " << how;
    }
    if (was_starting) {
      // Its requests fail only if no other worker of the job is coming.
      std::vector<JobID> jobs_left;
      for (const auto& [id, w] : workers_) jobs_left.push_back(w.job);
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        bool covered = std::find(jobs_left.begin(), jobs_left.end(), it->job) != jobs_left.end();
        if (covered) {
          ++it;
          continue;
        }
        auto done = std::move(it->done);
        it = waiting_.erase(it);
        done(absl::UnavailableError(absl::StrCat("worker ", handle.id.Hex(), " ", how, " before it registered")));
      }
    }
    if (on_worker_died_ && !stopping) on_worker_died_(handle, how);
  }
  if (!died.empty()) Match();
}

void WorkerPool::StopAll(std::chrono::milliseconds grace) {
  std::vector<pid_t> pids;
  for (const auto& [id, w] : workers_) pids.push_back(w.handle.pid);
  TerminateAll(pids, grace);
  workers_.clear();
}

}  // namespace raylet
}  // namespace photon
