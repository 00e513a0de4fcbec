#include "raylet/worker_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"

namespace photon {
namespace raylet {

WorkerPool::WorkerPool(Options options, CommandForJob command_for_job, Clock clock)
    : options_(std::move(options)), command_for_job_(std::move(command_for_job)), clock_(std::move(clock)) {}

WorkerPool::~WorkerPool() { StopAll(std::chrono::milliseconds(0)); }

int WorkerPool::num_idle() const {
  int idle = 0;
  for (const auto& [id, w] : workers_) idle += w.state == State::kIdle;
  return idle;
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
  std::vector<std::string> env = {
      "PHOTON_WORKER_ID=" + id.Hex(), "PHOTON_JOB_ID=" + job.Hex(), "PHOTON_NODE_ID=" + options_.node_id.Hex(),
      "PHOTON_RAYLET_ADDRESS=" + options_.raylet_address, "PHOTON_CLUSTER_TOKEN=" + options_.token};
  // Without a log directory a worker writes where the raylet does.
  const std::string out = options_.log_dir.empty() ? ""
                                                   : absl::StrCat(options_.log_dir, "/worker-", id.Hex().substr(0, 12), ".out");
  if (!options_.log_dir.empty()) env.push_back("PHOTON_LOG_DIR=" + options_.log_dir);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return absl::ResourceExhaustedError(absl::StrCat("cannot fork a worker: ", std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    // A worker never outlives its raylet: its leases and store are gone.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    int fd = out.empty() ? -1 : open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (const std::string& a : *command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "photon: cannot start worker %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  Worker worker;
  worker.handle.id = id;
  worker.handle.pid = pid;
  worker.job = job;
  worker.since = clock_();
  worker.for_actor = for_actor;
  workers_[id] = worker;
  if (!out.empty() && output_hooks_.on_started) output_hooks_.on_started(worker.handle, job, out);
  PHOTON_LOG(INFO) << "started worker " << id.Hex() << " (pid " << pid << ") for job " << job.Hex();
  return absl::OkStatus();
}

absl::Status WorkerPool::Prestart(const JobID& job, int count) {
  int ready = 0;
  for (const auto& [id, w] : workers_) {
    if (w.job == job && (w.state == State::kStarting || w.state == State::kIdle)) ready++;
  }
  for (; ready < count && Running() < options_.max_workers; ready++) {
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
      if (Running() >= options_.max_workers) {
        // Make room: stop an idle worker of another job, if any (Tick reaps it).
        for (auto& [id, w] : workers_) {
          if (w.state == State::kIdle) {
            kill(w.handle.pid, SIGTERM);
            w.state = State::kStopping;
            break;
          }
        }
      }
      if (Running() < options_.max_workers) {
        absl::Status started = Start(it->job, false);
        if (!started.ok()) {
          auto done = std::move(it->done);
          it = waiting_.erase(it);
          done(started);
          continue;
        }
      }
    }
    ++it;
  }
}

absl::Status WorkerPool::RegisterWorker(const WorkerID& worker, int port) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return absl::NotFoundError("worker " + worker.Hex() + " was not started by this raylet");
  if (it->second.state != State::kStarting) {
    return absl::FailedPreconditionError("worker " + worker.Hex() + " registered twice");
  }
  if (port <= 0 || port > 65535) return absl::InvalidArgumentError(absl::StrCat("worker port ", port, " is not a port"));
  it->second.handle.ip = "127.0.0.1";
  it->second.handle.port = port;
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
  it->second.since = clock_();
  Match();
}

void WorkerPool::Forget(const WorkerID& id) { workers_.erase(id); }

int WorkerPool::Running() const {
  int running = 0;
  for (const auto& [id, w] : workers_) {
    running += w.state != State::kStopping && w.state != State::kDedicated && !w.for_actor;
  }
  return running;
}

void WorkerPool::Tick() {
  const auto now = clock_();
  std::vector<std::pair<WorkerHandle, std::string>> died;
  for (auto& [id, w] : workers_) {
    int status = 0;
    pid_t r = waitpid(w.handle.pid, &status, WNOHANG);
    if (r == w.handle.pid) {
      std::string how = WIFEXITED(status) ? absl::StrCat("exited with code ", WEXITSTATUS(status))
                                          : absl::StrCat("was killed by signal ", WTERMSIG(status));
      died.emplace_back(w.handle, how);
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
  for (auto& [id, w] : workers_) kill(w.handle.pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (!workers_.empty()) {
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (waitpid(it->second.handle.pid, nullptr, WNOHANG) == it->second.handle.pid) {
        workers_.erase(it++);
      } else {
        ++it;
      }
    }
    if (workers_.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& [id, w] : workers_) {
    kill(w.handle.pid, SIGKILL);
    waitpid(w.handle.pid, nullptr, 0);
  }
  workers_.clear();
}

}  // namespace raylet
}  // namespace photon
