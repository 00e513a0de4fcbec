// C++ actors end to end on a real 3-node cluster: per-caller order, state,
// restarts, ActorDiedError, named and detached actors seen from a second
// driver, kill with calls pending, handles passed into tasks, and a threaded
// actor running calls at once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/api/photon.h"
#include "core/rpc/addresses.h"
#include "tests/cluster_fixture.h"
#include "tests/photon_driver.h"
#include "tests/subprocess.h"

namespace {

class Counter {
 public:
  explicit Counter(int start) : value_(start) {}
  static Counter* Create(int start) { return new Counter(start); }
  int Add(int x) { return value_ += x; }
  int Value() { return value_; }
  int Crash() { _exit(1); }
  int SleepMs(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  }
  // Creates `marker` (so the test knows the call is running), then sleeps.
  int MarkThenSleepMs(const std::string& marker, int ms) {
    std::ofstream(marker) << "running\n";
    return SleepMs(ms);
  }

 private:
  int value_;
};

// Counts calls that arrive out of the order their caller made them.
class Recorder {
 public:
  static Recorder* Create() { return new Recorder(); }
  int Push(int i) {
    if (i != next_) out_of_order_++;
    next_ = i + 1;
    return i;
  }
  int OutOfOrder() { return out_of_order_; }

 private:
  int next_ = 0;
  int out_of_order_ = 0;
};

// Each Meet call waits (up to 10 s) until `n` calls are inside at once and
// returns how many it saw: n only when they really ran together.
class Gate {
 public:
  static Gate* Create() { return new Gate(); }
  int Meet(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    inside_++;
    cv_.notify_all();
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return inside_ >= n; });
    return inside_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int inside_ = 0;
};

class Broken {
 public:
  static Broken* Create() { throw std::runtime_error("cannot build this"); }
  int Nothing() { return 0; }
};

// A task that uses an actor handle it was given.
int AddThrough(photon::ActorHandle<Counter> counter, int x) { return photon::Get(counter.Task(&Counter::Add).Remote(x)); }

PHOTON_REMOTE(Counter::Create, &Counter::Add, &Counter::Value, &Counter::Crash, &Counter::SleepMs,
              &Counter::MarkThenSleepMs, Recorder::Create,
              &Recorder::Push, &Recorder::OutOfOrder, Gate::Create, &Gate::Meet, Broken::Create, &Broken::Nothing,
              AddThrough);

constexpr int64_t kGetTimeoutMs = 60000;

// A fresh marker path for MarkThenSleepMs.
std::string Marker(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir ? dir : "/tmp", "/actor_test_", name, "_", getpid());
  std::remove(path.c_str());
  return path;
}

// Waits (up to 30 s) until `marker` exists: the call making it is running.
bool WaitForMarker(const std::string& marker) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (access(marker.c_str(), F_OK) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

class ActorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The second driver of DetachedNamedActorOutlivesItsDriver runs this
    // binary with these set: it joins the same cluster.
    if (std::getenv("ACTOR_TEST_GCS") != nullptr) return;
    cluster_ = photon::testing::StartClusterWithDriver(3, /*cpus_per_node=*/2).release();
  }
  static void TearDownTestSuite() {
    if (cluster_ == nullptr) return;
    photon::Shutdown();
    delete cluster_;
  }
  static photon::testing::Cluster* cluster_;
};

photon::testing::Cluster* ActorTest::cluster_ = nullptr;

TEST_F(ActorTest, CallsFromOneCallerRunInOrderAndStateIsKept) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  auto recorder = photon::Actor(Recorder::Create).Remote();
  std::vector<photon::ObjectRef<int>> refs;
  for (int i = 0; i < 10000; i++) refs.push_back(recorder.Task(&Recorder::Push).Remote(i));
  std::vector<int> got = photon::Get(refs, kGetTimeoutMs);
  for (int i = 0; i < 10000; i++) ASSERT_EQ(got[i], i);
  EXPECT_EQ(photon::Get(recorder.Task(&Recorder::OutOfOrder).Remote(), kGetTimeoutMs), 0);

  auto counter = photon::Actor(Counter::Create).Remote(10);
  EXPECT_EQ(photon::Get(counter.Task(&Counter::Add).Remote(5), kGetTimeoutMs), 15);
  EXPECT_EQ(photon::Get(counter.Task(&Counter::Add).Remote(5), kGetTimeoutMs), 20);
  EXPECT_EQ(photon::Get(counter.Task(&Counter::Value).Remote(), kGetTimeoutMs), 20);
}

TEST_F(ActorTest, RestartsOnceThenDiesWithActorDiedError) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  auto counter = photon::Actor(Counter::Create).SetMaxRestarts(1).Remote(100);
  EXPECT_EQ(photon::Get(counter.Task(&Counter::Add).Remote(1), kGetTimeoutMs), 101);
  // The crash kills the worker mid-call: that call fails (no task retries)...
  EXPECT_THROW(photon::Get(counter.Task(&Counter::Crash).Remote(), kGetTimeoutMs), photon::ActorDiedError);
  // ...and the actor comes back with its constructor run again.
  EXPECT_EQ(photon::Get(counter.Task(&Counter::Add).Remote(1), kGetTimeoutMs), 101);
  EXPECT_THROW(photon::Get(counter.Task(&Counter::Crash).Remote(), kGetTimeoutMs), photon::ActorDiedError);
  // No restarts left: dead for good, and the error says why.
  try {
    photon::Get(counter.Task(&Counter::Add).Remote(1), kGetTimeoutMs);
    FAIL() << "a call to a dead actor returned";
  } catch (const photon::ActorDiedError& e) {
    EXPECT_NE(std::string(e.what()).find("worker process died"), std::string::npos) << e.what();
  }
}

TEST_F(ActorTest, TaskRetriesResendACallAfterARestart) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  auto counter = photon::Actor(Counter::Create).SetMaxRestarts(-1).SetMaxTaskRetries(-1).Remote(0);
  const std::string marker = Marker("retried");
  auto slow = counter.Task(&Counter::MarkThenSleepMs).Remote(marker, 1500);
  ASSERT_TRUE(WaitForMarker(marker));
  counter.Kill(/*no_restart=*/false);  // the worker dies with the call running
  EXPECT_EQ(photon::Get(slow, kGetTimeoutMs), 1500);  // sent again to the restarted actor
}

TEST_F(ActorTest, KillFailsPendingCallsWithActorDiedError) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  auto counter = photon::Actor(Counter::Create).Remote(0);
  std::vector<photon::ObjectRef<int>> pending;
  const std::string marker = Marker("killed");
  pending.push_back(counter.Task(&Counter::MarkThenSleepMs).Remote(marker, 5000));
  for (int i = 0; i < 5; i++) pending.push_back(counter.Task(&Counter::Add).Remote(1));
  ASSERT_TRUE(WaitForMarker(marker));  // the first call runs, the others wait behind it
  counter.Kill();
  for (auto& ref : pending) {
    try {
      photon::Get(ref, kGetTimeoutMs);
      FAIL() << "a call survived the kill";
    } catch (const photon::ActorDiedError& e) {
      EXPECT_NE(std::string(e.what()).find("killed"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(photon::Get(counter.Task(&Counter::Add).Remote(1), kGetTimeoutMs), photon::ActorDiedError);
  // The GCS still lists it: dead, with its cause and when it ended.
  auto all = cluster_->client().GetAllActorInfo();
  ASSERT_TRUE(all.ok()) << all.status();
  auto listed = std::find_if(all->begin(), all->end(), [&](const photon::rpc::ActorTableData& a) {
    return a.actor_id() == counter.ID().Binary();
  });
  ASSERT_NE(listed, all->end());
  EXPECT_EQ(listed->state(), photon::rpc::DEAD);
  EXPECT_EQ(listed->death_cause().kind(), photon::rpc::ActorDeathCause::KILLED);
  EXPECT_NE(listed->class_name().find("Counter"), std::string::npos) << listed->class_name();
  EXPECT_GT(listed->start_time_ms(), 0);
  EXPECT_GE(listed->end_time_ms(), listed->start_time_ms());
}

TEST_F(ActorTest, HandlesPassedIntoTasksReachTheSameActor) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  auto counter = photon::Actor(Counter::Create).Remote(0);
  std::vector<photon::ObjectRef<int>> refs;
  for (int i = 0; i < 4; i++) refs.push_back(photon::Task(AddThrough).Remote(counter, 10));
  photon::Get(refs, kGetTimeoutMs);
  EXPECT_EQ(photon::Get(counter.Task(&Counter::Value).Remote(), kGetTimeoutMs), 40);
}

TEST_F(ActorTest, ThreadedActorRunsFourCallsAtOnce) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  auto gate = photon::Actor(Gate::Create).SetMaxConcurrency(4).Remote();
  std::vector<photon::ObjectRef<int>> refs;
  for (int i = 0; i < 4; i++) refs.push_back(gate.Task(&Gate::Meet).Remote(4));
  for (int seen : photon::Get(refs, kGetTimeoutMs)) EXPECT_EQ(seen, 4);
}

TEST_F(ActorTest, NamesAreUniqueAndErrorsNameTheProblem) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  auto first = photon::Actor(Counter::Create).SetName("only-one").Remote(1);
  EXPECT_EQ(photon::Get(first.Task(&Counter::Value).Remote(), kGetTimeoutMs), 1);
  try {
    photon::Actor(Counter::Create).SetName("only-one").Remote(2);
    FAIL() << "a second actor took a name in use";
  } catch (const photon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  // Another namespace is another name.
  auto other = photon::Actor(Counter::Create).SetName("only-one").SetNamespace("elsewhere").Remote(3);
  EXPECT_EQ(photon::Get(photon::GetActor<Counter>("only-one", "elsewhere").Task(&Counter::Value).Remote(),
                        kGetTimeoutMs),
            3);
  EXPECT_EQ(photon::GetActor<Counter>("only-one").ID(), first.ID());
  EXPECT_EQ(photon::Actor(Counter::Create).SetName("only-one").SetGetIfExists().Remote(9).ID(), first.ID());
  auto fresh = photon::Actor(Counter::Create).SetName("made-if-missing").SetGetIfExists().Remote(4);
  EXPECT_EQ(photon::Get(fresh.Task(&Counter::Value).Remote(), kGetTimeoutMs), 4);
  try {
    photon::GetActor<Counter>("nobody");
    FAIL() << "found an actor that does not exist";
  } catch (const photon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no actor named 'nobody'"), std::string::npos) << e.what();
  }
  auto broken = photon::Actor(Broken::Create).Remote();
  try {
    photon::Get(broken.Task(&Broken::Nothing).Remote(), kGetTimeoutMs);
    FAIL() << "an actor whose constructor threw answered";
  } catch (const photon::ActorDiedError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot build this"), std::string::npos) << e.what();
  }
}

// Run as a second driver (see below): makes a detached and a normal named
// actor, sets their state, and exits.
TEST_F(ActorTest, SecondDriverPart) {
  const char* gcs = std::getenv("ACTOR_TEST_GCS");
  if (gcs == nullptr) GTEST_SKIP() << "runs only as the second driver";
  photon::Config config;
  config.address = gcs;
  config.token = std::getenv("ACTOR_TEST_TOKEN");
  config.raylet_address = std::getenv("ACTOR_TEST_RAYLET");
  photon::Init(config);
  auto kept = photon::Actor(Counter::Create).SetName("keeper").SetDetached().Remote(7);
  auto gone = photon::Actor(Counter::Create).SetName("goes-with-driver").Remote(8);
  EXPECT_EQ(photon::Get(kept.Task(&Counter::Add).Remote(1), kGetTimeoutMs), 8);
  EXPECT_EQ(photon::Get(gone.Task(&Counter::Add).Remote(1), kGetTimeoutMs), 9);
  photon::Shutdown();
}

TEST_F(ActorTest, DetachedNamedActorOutlivesItsDriver) {
  if (cluster_ == nullptr) GTEST_SKIP() << "second-driver run";
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  auto raylet = cluster_->NodeInfo(1);
  ASSERT_TRUE(raylet.ok());
  photon::testing::CommandResult r =
      photon::testing::RunCommand({std::string(self, static_cast<size_t>(n)), "--gtest_filter=*SecondDriverPart"},
                                  {{"TEST_PREMATURE_EXIT_FILE", ""},  // the file is this test's, not the child's
                                   {"ACTOR_TEST_GCS", cluster_->gcs_address()},
                                   {"ACTOR_TEST_TOKEN", cluster_->token()},
                                   {"ACTOR_TEST_RAYLET", photon::rpc::RayletAddress(*raylet)}});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The detached one is still there, state and all.
  auto kept = photon::GetActor<Counter>("keeper");
  EXPECT_EQ(photon::Get(kept.Task(&Counter::Value).Remote(), kGetTimeoutMs), 8);
  // The other one died with its driver's job.
  try {
    auto gone = photon::GetActor<Counter>("goes-with-driver");
    photon::Get(gone.Task(&Counter::Value).Remote(), kGetTimeoutMs);
    FAIL() << "a non-detached actor outlived its driver";
  } catch (const photon::ActorDiedError& e) {
    EXPECT_NE(std::string(e.what()).find("owner"), std::string::npos) << e.what();
  } catch (const photon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no actor named"), std::string::npos) << e.what();
  }
  kept.Kill();
}

}  // namespace
