// C++ tasks end to end on a real 3-node cluster: arguments by value and by
// reference, nested tasks, large results, Wait, errors, retries, custom
// resources, SPREAD, objects moving between nodes, infeasible requests,
// cancel, and freeing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <numeric>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/api/photon.h"
#include "core/common/logging.h"
#include "core/rpc/addresses.h"
#include "core/rpc/client_call.h"
#include "proto/raylet.grpc.pb.h"
#include "tests/cluster_fixture.h"
#include "tests/photon_driver.h"

namespace {

int Plus(int a, int b) { return a + b; }

std::vector<int32_t> Range(int n) {
  std::vector<int32_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

int64_t Sum(const std::vector<int32_t>& v) { return std::accumulate(v.begin(), v.end(), int64_t{0}); }

// Submits `n` Plus tasks from inside a task and adds their results.
int FanOut(int n) {
  std::vector<photon::ObjectRef<int>> refs;
  for (int i = 0; i < n; i++) refs.push_back(photon::Task(Plus).Remote(i, 1));
  int total = 0;
  for (int v : photon::Get(refs)) total += v;
  return total;
}

int SleepMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

std::string NodeAfterMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return photon::GetNodeId();
}

int Throws(int x) { throw std::runtime_error(absl::StrCat("bad input ", x)); }

// Ends its worker on the first attempt (marked by a file), then returns 7.
int DieOnce(const std::string& marker) {
  if (access(marker.c_str(), F_OK) != 0) {
    std::ofstream(marker) << "attempted\n";
    _exit(1);
  }
  return 7;
}

// Reads a reference passed inside a vector (the worker borrows it).
int64_t SumOfRefs(const std::vector<photon::ObjectRef<std::vector<int32_t>>>& refs) {
  int64_t total = 0;
  for (const auto& r : refs) total += Sum(photon::Get(r));
  return total;
}

// fib(n) by nested tasks, each waiting in Get for its two children.
int Fib(int n) {
  if (n < 2) return n;
  std::vector<photon::ObjectRef<int>> children = {photon::Task(Fib).Remote(n - 1), photon::Task(Fib).Remote(n - 2)};
  std::vector<int> values = photon::Get(children);
  return values[0] + values[1];
}

// A chain of `n` nested tasks, each waiting in Wait for the next.
int Chain(int n) {
  if (n == 0) return 0;
  photon::ObjectRef<int> next = photon::Task(Chain).Remote(n - 1);
  photon::WaitResult<int> ready = photon::Wait(std::vector<photon::ObjectRef<int>>{next}, 1, -1);
  return photon::Get(ready.ready.at(0)) + 1;
}

PHOTON_REMOTE(Plus, Range, Sum, FanOut, SleepMs, NodeAfterMs, Throws, DieOnce, SumOfRefs, Fib, Chain);

class TaskTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    photon::testing::Cluster::Options options;
    options.num_nodes = 2;
    options.cpus_per_node = 2;
    auto cluster = photon::testing::Cluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
    auto third = cluster_->AddNode(2, R"({"special": 1})");
    ASSERT_TRUE(third.ok()) << third.status();
    photon::testing::InitDriver(*cluster_);
  }
  static void TearDownTestSuite() {
    photon::Shutdown();
    delete cluster_;
  }

  // The object store of node `index` as its raylet reports it.
  static photon::rpc::StoreStats StoreOf(int index) {
    auto info = cluster_->NodeInfo(index);
    EXPECT_TRUE(info.ok()) << info.status();
    auto stub = photon::rpc::RayletService::NewStub(
        photon::rpc::MakeChannel(photon::rpc::RayletAddress(*info)));
    photon::rpc::GetNodeStatsReply reply;
    grpc::Status s = photon::rpc::CallWithRetry(cluster_->token(), {}, [&](grpc::ClientContext* ctx) {
      return stub->GetNodeStats(ctx, photon::rpc::GetNodeStatsRequest(), &reply);
    });
    EXPECT_TRUE(s.ok()) << s.error_message();
    return reply.object_store();
  }

  static std::string Node(int index) { return cluster_->node_ids()[index].Hex(); }

  // Waits until no node has a CPU leased (earlier tests' leases linger briefly).
  static void WaitForIdleCluster() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      bool idle = true;
      for (int i = 0; i < 3 && idle; i++) {
        auto info = cluster_->NodeInfo(i);
        ASSERT_TRUE(info.ok()) << info.status();
        auto stub = photon::rpc::RayletService::NewStub(
            photon::rpc::MakeChannel(photon::rpc::RayletAddress(*info)));
        photon::rpc::GetNodeStatsReply reply;
        grpc::Status s = photon::rpc::CallWithRetry(cluster_->token(), {}, [&](grpc::ClientContext* ctx) {
          return stub->GetNodeStats(ctx, photon::rpc::GetNodeStatsRequest(), &reply);
        });
        ASSERT_TRUE(s.ok()) << s.error_message();
        idle = reply.available().amounts().at("CPU") == reply.total().amounts().at("CPU");
      }
      if (idle) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the cluster did not become idle";
  }

  static photon::testing::Cluster* cluster_;
};

photon::testing::Cluster* TaskTest::cluster_ = nullptr;

TEST_F(TaskTest, ArgumentsByValueAndByReference) {
  EXPECT_EQ(photon::Get(photon::Task(Plus).Remote(1, 2)), 3);
  photon::ObjectRef<int> forty = photon::Put(40);
  EXPECT_EQ(photon::Get(photon::Task(Plus).Remote(forty, 2)), 42);
  photon::ObjectRef<int> chained = photon::Task(Plus).Remote(photon::Task(Plus).Remote(forty, 1), forty);
  EXPECT_EQ(photon::Get(chained), 81);
  // A conversion happens before serialization: a char becomes the int parameter.
  EXPECT_EQ(photon::Get(photon::Task(Plus).Remote('a', 0)), 97);
}

TEST_F(TaskTest, TaskEventsReachTheGcs) {
  photon::ObjectRef<int> ref = photon::Task(Plus).Remote(20, 22);
  ASSERT_EQ(photon::Get(ref), 42);
  const std::string task_hex = ref.ID().TaskId().Hex();
  auto job = photon::JobID::FromHex(photon::GetJobId());
  ASSERT_TRUE(job.ok());
  // Each process sends its events every 500 ms: the worker's RUNNING may
  // land after the driver's FINISHED, so wait until every state is in.
  bool complete = false;
  photon::rpc::TaskSummary seen;
  for (int i = 0; i < 100 && !complete; i++) {
    auto events = cluster_->client().GetTaskEvents(*job, 100000);
    ASSERT_TRUE(events.ok()) << events.status();
    for (const photon::rpc::TaskSummary& t : events->tasks()) {
      if (photon::TaskID::FromBinary(t.task_id())->Hex() != task_hex) continue;
      seen = t;
      complete = t.state() == photon::rpc::FINISHED;
      for (int state : {photon::rpc::SUBMITTED, photon::rpc::SCHEDULED, photon::rpc::RUNNING}) {
        complete = complete && t.state_times_ms().count(state);
      }
    }
    if (!complete) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(complete) << "last seen: " << seen.DebugString();
  EXPECT_EQ(seen.function_name(), "Plus");
  EXPECT_EQ(seen.node_id().size(), photon::NodeID::kSize);
  EXPECT_FALSE(seen.worker_id().empty());
  bool finished = complete;
  EXPECT_TRUE(finished);
}

TEST_F(TaskTest, NestedTasks) {
  // FanOut(20) adds Plus(i, 1) for i < 20 from inside a task: 190 + 20.
  EXPECT_EQ(photon::Get(photon::Task(FanOut).Remote(20), 60000), 210);
}

TEST_F(TaskTest, TasksBlockedInGetOrWaitLendTheirCpusToTheTasksTheyWaitFor) {
  // Both nest deeper than the cluster's 6 CPUs: each level waits for the
  // next, which can only run on a CPU a blocked one lent.
  EXPECT_EQ(photon::Get(photon::Task(Fib).Remote(12), 120000), 144);
  EXPECT_EQ(photon::Get(photon::Task(Chain).Remote(16), 120000), 16);
  WaitForIdleCluster();  // and every lent CPU came back
}

TEST_F(TaskTest, ResultsOver100KiBGoThroughTheObjectStore) {
  photon::ObjectRef<std::vector<int32_t>> range = photon::Task(Range).Remote(1 << 20);  // 4 MiB
  EXPECT_EQ(photon::Get(photon::Task(Sum).Remote(range)), int64_t{1 << 20} * ((1 << 20) - 1) / 2);
  std::vector<int32_t> back = photon::Get(range);
  ASSERT_EQ(back.size(), 1u << 20);
  EXPECT_EQ(back[12345], 12345);
}

TEST_F(TaskTest, ReferencesInsideArgumentsAreBorrowed) {
  std::vector<photon::ObjectRef<std::vector<int32_t>>> refs = {photon::Task(Range).Remote(100),
                                                               photon::Task(Range).Remote(200000)};
  EXPECT_EQ(photon::Get(photon::Task(SumOfRefs).Remote(refs)), int64_t{4950} + int64_t{200000} * 199999 / 2);
}

TEST_F(TaskTest, WaitWithNumReturnsAndTimeout) {
  std::vector<photon::ObjectRef<int>> refs = {photon::Task(SleepMs).Remote(0), photon::Task(SleepMs).Remote(5000),
                                              photon::Task(SleepMs).Remote(10)};
  photon::WaitResult<int> first = photon::Wait(refs, 2, 30000);
  ASSERT_EQ(first.ready.size(), 2u);
  EXPECT_EQ(first.unready.size(), 1u);
  EXPECT_EQ(first.unready[0], refs[1]);
  photon::WaitResult<int> timed = photon::Wait(refs, 3, 200);
  EXPECT_EQ(timed.ready.size(), 2u);
  EXPECT_EQ(timed.unready.size(), 1u);
  EXPECT_THROW(photon::Get(refs[1], 100), photon::GetTimeoutError);
  EXPECT_THROW(photon::Wait(refs, 4, 0), photon::Error);
}

TEST_F(TaskTest, ExceptionMessageReachesTheCaller) {
  try {
    photon::Get(photon::Task(Throws).Remote(5));
    FAIL() << "no exception";
  } catch (const photon::TaskError& e) {
    EXPECT_NE(std::string(e.what()).find("task Throws threw std::runtime_error: bad input 5"), std::string::npos)
        << e.what();
  }
  // A failed result passed on fails the next task the same way.
  EXPECT_THROW(photon::Get(photon::Task(Plus).Remote(photon::Task(Throws).Remote(1), 1)), photon::TaskError);
}

TEST_F(TaskTest, CrashedWorkerIsRetriedAndFailsWithoutRetries) {
  const std::string dir = ::testing::TempDir();
  const std::string marker = dir + "/die-once-" + std::to_string(getpid());
  EXPECT_EQ(photon::Get(photon::Task(DieOnce).Remote(marker), 60000), 7);
  const std::string marker2 = marker + "-no-retry";
  try {
    photon::Get(photon::Task(DieOnce).SetMaxRetries(0).Remote(marker2), 60000);
    FAIL() << "no exception";
  } catch (const photon::WorkerCrashedError& e) {
    EXPECT_NE(std::string(e.what()).find("worker running the task died"), std::string::npos) << e.what();
  }
}

TEST_F(TaskTest, CustomResourceRunsOnTheNodeThatHasIt) {
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(photon::Get(photon::Task(NodeAfterMs).SetResource("special", 1).Remote(0)), Node(2));
  }
}

TEST_F(TaskTest, SpreadUsesEveryNode) {
  WaitForIdleCluster();
  std::vector<photon::ObjectRef<std::string>> refs;
  for (int i = 0; i < 6; i++) {
    refs.push_back(photon::Task(NodeAfterMs).SetSchedulingStrategy(photon::SchedulingStrategy::Spread()).Remote(500));
  }
  std::vector<std::string> nodes = photon::Get(refs, 60000);
  EXPECT_EQ(std::set<std::string>(nodes.begin(), nodes.end()),
            (std::set<std::string>{Node(0), Node(1), Node(2)}));
}

TEST_F(TaskTest, ObjectMadeOnOneNodeIsReadOnAnother) {
  auto on = [](int index) { return photon::SchedulingStrategy::NodeAffinity(Node(index)); };
  photon::ObjectRef<std::vector<int32_t>> range = photon::Task(Range).SetSchedulingStrategy(on(1)).Remote(1 << 20);
  photon::ObjectRef<int64_t> sum = photon::Task(Sum).SetSchedulingStrategy(on(2)).Remote(range);
  EXPECT_EQ(photon::Get(sum, 60000), int64_t{1 << 20} * ((1 << 20) - 1) / 2);
}

TEST_F(TaskTest, InfeasibleTaskWarnsAndDoesNotBlockOtherWork) {
  photon::ObjectRef<int> never = photon::Task(Plus).SetResource("unobtainium", 1).Remote(1, 1);
  for (int i = 0; i < 5; i++) EXPECT_EQ(photon::Get(photon::Task(Plus).Remote(i, 1), 30000), i + 1);
  EXPECT_EQ(photon::Wait(std::vector<photon::ObjectRef<int>>{never}, 1, 3000).ready.size(), 0u);
  std::ifstream log(photon::LogFilePath());
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("no node in the cluster can run tasks needing {CPU: 1, unobtainium: 1}"), std::string::npos)
      << "driver log " << photon::LogFilePath() << ":\n" << text;
  photon::Cancel(never);
  EXPECT_THROW(photon::Get(never, 10000), photon::TaskCancelledError);
}

TEST_F(TaskTest, CancelQueuedTask) {
  // Fill every CPU, then cancel a task that has to wait.
  std::vector<photon::ObjectRef<int>> busy;
  for (int i = 0; i < 6; i++) busy.push_back(photon::Task(SleepMs).Remote(1500));
  photon::ObjectRef<int> queued = photon::Task(SleepMs).Remote(1);
  photon::Cancel(queued);
  EXPECT_THROW(photon::Get(queued, 10000), photon::TaskCancelledError);
  EXPECT_EQ(photon::Get(busy, 60000).size(), 6u);
}

TEST_F(TaskTest, ForceCancelStopsARunningTask) {
  photon::ObjectRef<int> running = photon::Task(SleepMs).Remote(600000);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // it has started
  photon::Cancel(running, /*force=*/true);
  EXPECT_THROW(photon::Get(running, 30000), photon::TaskCancelledError);
  // The CPU it held is back: more tasks run.
  EXPECT_EQ(photon::Get(photon::Task(Plus).Remote(1, 1), 30000), 2);
}

TEST_F(TaskTest, FreedReferencesLeaveNoBytesInAnyStore) {
  {
    auto on = [](int index) { return photon::SchedulingStrategy::NodeAffinity(Node(index)); };
    std::vector<photon::ObjectRef<std::vector<int32_t>>> refs;
    for (int i = 0; i < 3; i++) refs.push_back(photon::Task(Range).SetSchedulingStrategy(on(i)).Remote(1 << 20));
    // Copies on other nodes too: read each on the next node, and here.
    for (int i = 0; i < 3; i++) {
      EXPECT_GT(photon::Get(photon::Task(Sum).SetSchedulingStrategy(on((i + 1) % 3)).Remote(refs[i]), 60000), 0);
      EXPECT_EQ(photon::Get(refs[i], 60000).size(), 1u << 20);
    }
    photon::ObjectRef<std::vector<int32_t>> put = photon::Put(Range(1 << 20));
    int64_t used = 0;
    for (int i = 0; i < 3; i++) used += StoreOf(i).used_bytes();
    EXPECT_GE(used, int64_t{4} * (4 << 20));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int64_t used = -1, pinned = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    used = pinned = 0;
    for (int i = 0; i < 3; i++) {
      photon::rpc::StoreStats s = StoreOf(i);
      used += s.used_bytes();
      pinned += s.pinned_bytes();
    }
    if (used == 0 && pinned == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(used, 0);
  EXPECT_EQ(pinned, 0);
}

}  // namespace
