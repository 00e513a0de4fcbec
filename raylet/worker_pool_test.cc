// The pool with real child processes (/bin/sleep stands in for a worker's
// program; the test registers them as a worker would through the RPC).

#include "raylet/worker_pool.h"

#include <signal.h>

#include <fstream>
#include <map>
#include <thread>

#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

using std::chrono::milliseconds;

class WorkerPoolTest : public ::testing::Test {
 protected:
  void Make(int max_workers, std::vector<std::string> command = {"/bin/sleep", "1000"}, int max_total = 64) {
    WorkerPool::Options options;
    options.max_workers = max_workers;
    options.max_total_workers = max_total;
    options.idle_timeout = milliseconds(1000);
    options.node_id = NodeID::FromRandom();
    pool_ = std::make_unique<WorkerPool>(
        options, [command](const JobID&) -> absl::StatusOr<std::vector<std::string>> { return command; },
        [this] { return now_; });
    pool_->set_on_worker_died([this](const WorkerHandle& w, const std::string& how) { deaths_.push_back(how); });
  }
  // Registers every starting worker as a worker process would.
  void RegisterAll() {
    for (const WorkerID& id : pool_->Starting()) ASSERT_TRUE(pool_->RegisterWorker(id, 40000 + registered_++).ok());
  }
  // Ticks until `done` or ~5 s.
  bool TickUntil(const std::function<bool()>& done) {
    for (int i = 0; i < 500 && !done(); i++) {
      pool_->Tick();
      std::this_thread::sleep_for(milliseconds(10));
    }
    return done();
  }

  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::string> deaths_;
  int registered_ = 0;
};

TEST_F(WorkerPoolTest, StartsOnDemandAndReusesIdleWorkers) {
  Make(4);
  JobID job = JobID::FromInt(1);
  std::vector<WorkerHandle> got;
  auto collect = [&](absl::StatusOr<WorkerHandle> w) {
    ASSERT_TRUE(w.ok()) << w.status();
    got.push_back(*w);
  };
  pool_->PopWorker(job, {}, false, collect);
  EXPECT_TRUE(got.empty());  // started, not registered yet
  ASSERT_EQ(pool_->Starting().size(), 1u);
  RegisterAll();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ip, "127.0.0.1");
  EXPECT_EQ(got[0].port, 40000);
  EXPECT_GT(got[0].pid, 0);
  pool_->PushWorker(got[0], false);
  pool_->PopWorker(job, {}, false, collect);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].id, got[0].id);  // reused, nothing new started
  EXPECT_EQ(pool_->num_workers(), 1);
  EXPECT_EQ(pool_->RegisterWorker(WorkerID::FromRandom(), 1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(pool_->RegisterWorker(got[0].id, 1).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(WorkerPoolTest, WorkersListsEachWithItsKindAndState) {
  Make(1);
  const JobID job = JobID::FromInt(7);
  std::vector<WorkerHandle> got;
  auto collect = [&](absl::StatusOr<WorkerHandle> w) { got.push_back(*w); };
  pool_->PopWorker(job, {}, false, collect);
  pool_->PopWorker(job, {}, /*dedicated=*/true, collect);  // an actor's: not capped
  pool_->PopWorker(job, {}, false, collect);                // waits: the cap is 1
  EXPECT_EQ(pool_->num_waiting(), 3);
  using Stats = rpc::WorkerStats;
  auto by_state = [&] {
    std::map<std::pair<int, int>, int> out;  // (kind, state) -> how many
    for (const Stats& w : pool_->Workers()) {
      EXPECT_EQ(w.job_id(), job.Binary());
      EXPECT_GT(w.pid(), 0);
      out[{w.kind(), w.state()}]++;
    }
    return out;
  };
  EXPECT_EQ(by_state(), (std::map<std::pair<int, int>, int>{{{Stats::TASK, Stats::STARTING}, 1},
                                                            {{Stats::ACTOR, Stats::STARTING}, 1}}));
  RegisterAll();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(pool_->num_waiting(), 1);
  EXPECT_EQ(by_state(), (std::map<std::pair<int, int>, int>{{{Stats::TASK, Stats::BUSY}, 1},
                                                            {{Stats::ACTOR, Stats::BUSY}, 1}}));
  std::string task_worker;
  for (const Stats& w : pool_->Workers()) {
    if (w.kind() == Stats::TASK) task_worker = w.worker_id();
  }
  for (const WorkerHandle& w : got) {
    if (w.id.Binary() == task_worker) pool_->PushWorker(w, false);  // goes to the waiting request
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(pool_->num_waiting(), 0);
  pool_->PushWorker(got[2], false);
  EXPECT_EQ(by_state(), (std::map<std::pair<int, int>, int>{{{Stats::TASK, Stats::IDLE}, 1},
                                                            {{Stats::ACTOR, Stats::BUSY}, 1}}));
}

TEST_F(WorkerPoolTest, PrestartedWorkersServeLaterRequests) {
  Make(3);
  JobID job = JobID::FromInt(1);
  ASSERT_TRUE(pool_->Prestart(job, 5).ok());
  EXPECT_EQ(pool_->Starting().size(), 3u);  // capped by max_workers
  RegisterAll();
  std::vector<WorkerHandle> got;
  auto collect = [&](absl::StatusOr<WorkerHandle> w) {
    ASSERT_TRUE(w.ok()) << w.status();
    got.push_back(*w);
  };
  pool_->PopWorker(job, {}, false, collect);
  pool_->PopWorker(job, {}, false, collect);
  EXPECT_EQ(got.size(), 2u);                 // at once, from the prestarted ones
  EXPECT_TRUE(pool_->Starting().empty());    // nothing new started
  EXPECT_EQ(pool_->num_workers(), 3);
  ASSERT_TRUE(pool_->Prestart(job, 1).ok());  // one idle already: nothing to do
  EXPECT_TRUE(pool_->Starting().empty());
}

TEST_F(WorkerPoolTest, CapStopsAnIdleWorkerOfAnotherJob) {
  Make(1);
  std::vector<WorkerHandle> got;
  auto collect = [&](absl::StatusOr<WorkerHandle> w) { got.push_back(*w); };
  pool_->PopWorker(JobID::FromInt(1), {}, false, collect);
  RegisterAll();
  pool_->PushWorker(got[0], false);  // idle
  pool_->PopWorker(JobID::FromInt(2), {}, false, collect);
  ASSERT_EQ(pool_->Starting().size(), 1u);  // job 1's idle worker made room
  RegisterAll();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[1].id, got[0].id);
  EXPECT_TRUE(TickUntil([&] { return pool_->num_workers() == 1; }));
  EXPECT_TRUE(deaths_.empty());  // stopping on purpose is not a death
}

TEST_F(WorkerPoolTest, BlockedWorkersMakeRoomUpToTheTotalCap) {
  Make(1, {"/bin/sleep", "1000"}, /*max_total=*/2);
  JobID job = JobID::FromInt(1);
  std::vector<WorkerHandle> got;
  auto collect = [&](absl::StatusOr<WorkerHandle> w) {
    ASSERT_TRUE(w.ok()) << w.status();
    got.push_back(*w);
  };
  pool_->PopWorker(job, {}, false, collect);
  RegisterAll();
  ASSERT_EQ(got.size(), 1u);
  pool_->PopWorker(job, {}, false, collect);
  EXPECT_TRUE(pool_->Starting().empty());  // max_workers running
  pool_->SetBlocked(got[0].id, true);       // its task waits: room for one more
  ASSERT_EQ(pool_->Starting().size(), 1u);
  RegisterAll();
  ASSERT_EQ(got.size(), 2u);
  pool_->SetBlocked(got[1].id, true);
  pool_->PopWorker(job, {}, false, collect);
  EXPECT_TRUE(pool_->Starting().empty());  // two in all: the total cap holds
  EXPECT_EQ(pool_->num_workers(), 2);
  pool_->SetBlocked(got[1].id, false);
  pool_->PushWorker(got[1], false);  // an idle worker serves the third request
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].id, got[1].id);
}

TEST_F(WorkerPoolTest, ALeasedWorkerThatDiesIsReported) {
  Make(2);
  std::vector<WorkerHandle> got;
  pool_->PopWorker(JobID::FromInt(1), {}, false, [&](absl::StatusOr<WorkerHandle> w) { got.push_back(*w); });
  RegisterAll();
  ASSERT_EQ(got.size(), 1u);
  kill(got[0].pid, SIGKILL);
  ASSERT_TRUE(TickUntil([&] { return !deaths_.empty(); }));
  EXPECT_EQ(deaths_[0], "was killed by signal 9");
  EXPECT_EQ(pool_->num_workers(), 0);
}

TEST_F(WorkerPoolTest, AWorkerThatExitsBeforeRegisteringFailsItsRequest) {
  Make(2, {"/bin/false"});
  absl::Status result = absl::UnknownError("no answer");
  pool_->PopWorker(JobID::FromInt(1), {}, false, [&](absl::StatusOr<WorkerHandle> w) { result = w.status(); });
  ASSERT_TRUE(TickUntil([&] { return result.code() != absl::StatusCode::kUnknown; }));
  EXPECT_EQ(result.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(result.message().find("exited with code 1 before it registered"), std::string::npos) << result;
}

TEST_F(WorkerPoolTest, IdleWorkersAreStoppedAfterTheTimeout) {
  Make(2);
  std::vector<WorkerHandle> got;
  pool_->PopWorker(JobID::FromInt(1), {}, false, [&](absl::StatusOr<WorkerHandle> w) { got.push_back(*w); });
  RegisterAll();
  pool_->PushWorker(got[0], false);
  pool_->Tick();
  EXPECT_EQ(pool_->num_idle(), 1);
  now_ += milliseconds(1500);
  EXPECT_TRUE(TickUntil([&] { return pool_->num_workers() == 0; }));
  EXPECT_TRUE(deaths_.empty());
}

TEST(WorkerPoolOutputTest, TellsTheHooksOfEachWorkersOutputFileAndExit) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  WorkerPool::Options options;
  options.node_id = NodeID::FromRandom();
  options.log_dir = tmp ? tmp : "/tmp";
  WorkerPool pool(options, [](const JobID&) -> absl::StatusOr<std::vector<std::string>> {
    return std::vector<std::string>{"/bin/sh", "-c", "echo \"dir=$PHOTON_LOG_DIR\""};
  });
  std::string path;
  JobID started_job;
  int started_pid = 0;
  std::vector<WorkerID> exited;
  WorkerPool::OutputHooks hooks;
  hooks.on_started = [&](const WorkerHandle& w, const JobID& job, const std::string& p) {
    path = p;
    started_job = job;
    started_pid = w.pid;
  };
  hooks.on_exited = [&](const WorkerID& id) { exited.push_back(id); };
  pool.set_output_hooks(hooks);
  ASSERT_TRUE(pool.Prestart(JobID::FromInt(3), 1).ok());
  ASSERT_EQ(pool.Starting().size(), 1u);
  const WorkerID id = pool.Starting()[0];
  EXPECT_EQ(path, options.log_dir + "/worker-" + id.ShortHex() + ".out");
  EXPECT_EQ(started_job, JobID::FromInt(3));
  EXPECT_GT(started_pid, 0);
  for (int i = 0; i < 500 && exited.empty(); i++) {
    pool.Tick();
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_EQ(exited.size(), 1u);
  EXPECT_EQ(exited[0], id);
  std::ifstream out(path);
  std::string line;
  std::getline(out, line);
  EXPECT_EQ(line, "dir=" + options.log_dir);
}

}  // namespace
}  // namespace raylet
}  // namespace photon
