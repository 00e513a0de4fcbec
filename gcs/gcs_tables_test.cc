// The GCS tables (KV, nodes, jobs, functions) and their pubsub, run against
// both storage backends; the Redis cases also reload the tables through a new
// connection, as a restarted GCS does.

#include <memory>

#include "gcs/function_table.h"
#include "gcs/job_manager.h"
#include "gcs/kv_manager.h"
#include "gcs/node_manager.h"
#include "gcs/resource_manager.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs/store/redis_server_for_test.h"
#include "gcs/store/redis_store_client.h"
#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

enum class Backend { kMemory, kRedis };

class GcsTablesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kRedis) {
      auto redis = RedisServerForTest::Start();
      ASSERT_TRUE(redis.ok()) << redis.status();
      redis_ = std::move(*redis);
    }
    store_ = NewStore();
    ASSERT_NE(store_, nullptr);
    publisher_ = NewPublisher();
  }

  std::unique_ptr<StoreClient> NewStore() {
    if (GetParam() == Backend::kMemory) return std::make_unique<InMemoryStoreClient>();
    auto client = RedisStoreClient::Connect("127.0.0.1", redis_->port());
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::unique_ptr<Publisher> NewPublisher() {
    return std::make_unique<Publisher>("epoch", Publisher::Options(),
                                       [](std::chrono::milliseconds, std::function<void()>) {});
  }

  static rpc::GcsNodeInfo Node(const NodeID& id, double cpus) {
    rpc::GcsNodeInfo info;
    info.set_node_id(id.Binary());
    info.set_node_ip("127.0.0.1");
    info.set_raylet_port(40000);
    (*info.mutable_resources_total()->mutable_amounts())["CPU"] = cpus;
    return info;
  }

  // Everything published on `channel` since seq 0, via a poll.
  std::vector<rpc::PubMessage> Published(rpc::Channel channel) {
    rpc::PollRequest req;
    req.add_channels(channel);
    req.set_publisher_epoch(publisher_->epoch());
    req.set_after_seq(0);
    rpc::PollReply reply;
    publisher_->Poll(req, &reply, [] {});
    return {reply.messages().begin(), reply.messages().end()};
  }

  int64_t now_ms_ = 1000;
  std::unique_ptr<RedisServerForTest> redis_;
  std::unique_ptr<StoreClient> store_;
  std::unique_ptr<Publisher> publisher_;
};

TEST_P(GcsTablesTest, KvNamespacesPrefixesAndErrors) {
  KvManager kv(*store_);
  EXPECT_TRUE(*kv.Put("a", "k1", "v1", true));
  EXPECT_FALSE(*kv.Put("a", "k1", "v2", false));  // no overwrite: old value stays
  EXPECT_EQ(*kv.Get("a", "k1"), "v1");
  EXPECT_FALSE(*kv.Put("a", "k1", "v3", true));  // overwrite of an existing key
  EXPECT_EQ(*kv.Get("a", "k1"), "v3");
  ASSERT_TRUE(kv.Put("a", "k2", "x", true).ok());
  ASSERT_TRUE(kv.Put("a", "other", "y", true).ok());
  ASSERT_TRUE(kv.Put("b", "k1", "in b", true).ok());

  EXPECT_EQ(*kv.Keys("a", "k"), (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(kv.MultiGet("a", {"k1", "missing"})->size(), 1u);
  EXPECT_TRUE(*kv.Exists("b", "k1"));
  EXPECT_FALSE(*kv.Exists("b", "k2"));
  EXPECT_EQ(*kv.Get("b", "k1"), "in b");

  EXPECT_EQ(*kv.Del("a", "k", /*by_prefix=*/true), 2);
  EXPECT_EQ(*kv.Del("a", "other", false), 1);
  EXPECT_EQ(*kv.Del("a", "other", false), 0);
  EXPECT_TRUE(kv.Keys("a", "")->empty());

  absl::StatusOr<std::string> missing = kv.Get("a", "nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "internal KV: key 'nope' not found in namespace 'a'");
  EXPECT_EQ(kv.Put("a", "", "v", true).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(kv.Get("a", "").status().message(), "internal KV: the key is empty");
}

TEST_P(GcsTablesTest, NodesRegisterDieAndPublish) {
  NodeManager nodes(*store_, *publisher_, [this] { return now_ms_; });
  ASSERT_TRUE(nodes.Initialize().ok());
  std::vector<std::string> events;
  nodes.AddListener({[&](const rpc::GcsNodeInfo&) { events.push_back("alive"); },
                     [&](const rpc::GcsNodeInfo&) { events.push_back("dead"); }});
  NodeID a = NodeID::FromRandom();
  ASSERT_TRUE(nodes.Register(Node(a, 4)).ok());
  ASSERT_TRUE(nodes.Register(Node(a, 4)).ok());  // re-registration (GCS restart) is fine
  EXPECT_TRUE(nodes.IsAlive(a));
  ASSERT_TRUE(nodes.MarkDead(a, "unregistered").ok());
  EXPECT_FALSE(nodes.IsAlive(a));
  EXPECT_EQ(nodes.Find(a)->death_reason(), "unregistered");
  EXPECT_EQ(events, (std::vector<std::string>{"alive", "alive", "dead"}));

  absl::Status again = nodes.Register(Node(a, 4));
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("is DEAD (unregistered)"), std::string::npos) << again;
  EXPECT_EQ(nodes.MarkDead(NodeID::FromRandom(), "x").code(), absl::StatusCode::kNotFound);

  rpc::GcsNodeInfo bad = Node(NodeID::FromRandom(), 1);
  bad.set_raylet_port(0);
  EXPECT_EQ(nodes.Register(bad).code(), absl::StatusCode::kInvalidArgument);
  rpc::GcsNodeInfo negative = Node(NodeID::FromRandom(), -1);
  EXPECT_NE(nodes.Register(negative).message().find("resource 'CPU' must be a finite amount >= 0"),
            std::string::npos);
  rpc::GcsNodeInfo short_id = Node(NodeID::FromRandom(), 1);
  short_id.set_node_id("xyz");
  EXPECT_EQ(nodes.Register(short_id).message(), "NodeID must be 28 bytes, got 3");

  std::vector<rpc::PubMessage> published = Published(rpc::NODE);
  ASSERT_EQ(published.size(), 3u);
  EXPECT_EQ(published[2].node().state(), rpc::GcsNodeInfo::DEAD);
}

TEST_P(GcsTablesTest, ResourceReportsNeedAnAliveNode) {
  NodeManager nodes(*store_, *publisher_, [this] { return now_ms_; });
  ResourceManager resources(nodes, *publisher_);
  nodes.AddListener({[&](const rpc::GcsNodeInfo& n) { resources.OnNodeAlive(n); },
                     [&](const rpc::GcsNodeInfo& n) { resources.OnNodeDead(n); }});
  NodeID a = NodeID::FromRandom();
  rpc::ResourceUsage usage;
  usage.set_node_id(a.Binary());
  EXPECT_EQ(resources.Report(usage).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(nodes.Register(Node(a, 8)).ok());
  ASSERT_EQ(resources.All().size(), 1u);
  EXPECT_EQ(resources.All()[0].available().amounts().at("CPU"), 8);
  (*usage.mutable_total()->mutable_amounts())["CPU"] = 8;
  (*usage.mutable_available()->mutable_amounts())["CPU"] = 3;
  ASSERT_TRUE(resources.Report(usage).ok());
  ASSERT_TRUE(resources.Report(usage).ok());  // unchanged: not published again
  EXPECT_EQ(resources.All()[0].available().amounts().at("CPU"), 3);
  EXPECT_EQ(Published(rpc::RESOURCES).size(), 2u);
  ASSERT_TRUE(nodes.MarkDead(a, "gone").ok());
  EXPECT_TRUE(resources.All().empty());
}

TEST_P(GcsTablesTest, JobsGetIncreasingIdsAndFinish) {
  JobManager jobs(*store_, *publisher_, [this] { return now_ms_; });
  rpc::JobTableData data;
  data.set_entrypoint("python script.py");
  JobID first = *jobs.AddJob(data);
  JobID second = *jobs.AddJob(data);
  EXPECT_EQ(first.ToInt(), 1u);
  EXPECT_EQ(second.ToInt(), 2u);
  now_ms_ = 5000;
  ASSERT_TRUE(jobs.MarkFinished(first).ok());
  ASSERT_TRUE(jobs.MarkFinished(first).ok());
  EXPECT_EQ(jobs.MarkFinished(JobID::FromInt(99)).code(), absl::StatusCode::kNotFound);
  auto all = *jobs.All();
  ASSERT_EQ(all.size(), 2u);
  int dead = 0;
  for (const auto& j : all) dead += j.is_dead() ? 1 : 0;
  EXPECT_EQ(dead, 1);
  EXPECT_EQ(Published(rpc::JOB).size(), 3u);
}

TEST_P(GcsTablesTest, AJobEndedForItsDriverKeepsTheReasonAndTheFirstEnd) {
  JobManager jobs(*store_, *publisher_, [this] { return now_ms_; });
  JobID crashed = *jobs.AddJob(rpc::JobTableData());
  JobID clean = *jobs.AddJob(rpc::JobTableData());
  now_ms_ = 7000;
  ASSERT_TRUE(jobs.MarkFinished(crashed, "its driver exited (driver pid 7) without disconnecting").ok());
  ASSERT_TRUE(jobs.MarkFinished(clean).ok());
  now_ms_ = 9000;
  // The raylet's later report of the clean driver's exit changes nothing.
  ASSERT_TRUE(jobs.MarkFinished(clean, "its driver exited (driver pid 8) without disconnecting").ok());
  for (const rpc::JobTableData& j : *jobs.All()) {
    EXPECT_TRUE(j.is_dead());
    EXPECT_EQ(j.end_time_ms(), 7000);
    if (j.job_id() == crashed.Binary()) EXPECT_EQ(j.end_reason(), "its driver exited (driver pid 7) without disconnecting");
    if (j.job_id() == clean.Binary()) EXPECT_EQ(j.end_reason(), "");
  }
}

TEST_P(GcsTablesTest, FunctionsByJob) {
  FunctionTable functions(*store_);
  JobID job = JobID::FromInt(1);
  ASSERT_TRUE(functions.Add(job, "f1", "blob-1").ok());
  ASSERT_TRUE(functions.Add(job, "f1", "blob-2").ok());  // same id: first blob stays
  EXPECT_EQ(*functions.Get(job, "f1"), "blob-1");
  EXPECT_EQ(functions.Get(JobID::FromInt(2), "f1").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(functions.Add(job, "", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(functions.Add(job, "f2", "").code(), absl::StatusCode::kInvalidArgument);
}

// A GCS restarted on Redis reloads nodes and keeps counting jobs.
TEST_P(GcsTablesTest, RestartOnRedisKeepsEveryTable) {
  if (GetParam() != Backend::kRedis) GTEST_SKIP() << "in-memory tables die with the GCS";
  NodeID a = NodeID::FromRandom();
  NodeID b = NodeID::FromRandom();
  {
    NodeManager nodes(*store_, *publisher_, [this] { return now_ms_; });
    JobManager jobs(*store_, *publisher_, [this] { return now_ms_; });
    KvManager kv(*store_);
    ASSERT_TRUE(nodes.Register(Node(a, 2)).ok());
    ASSERT_TRUE(nodes.Register(Node(b, 2)).ok());
    ASSERT_TRUE(nodes.MarkDead(b, "gone").ok());
    ASSERT_TRUE(jobs.AddJob(rpc::JobTableData()).ok());
    ASSERT_TRUE(kv.Put("ns", "key", "value", true).ok());
  }
  std::unique_ptr<StoreClient> reopened = NewStore();
  std::unique_ptr<Publisher> publisher = NewPublisher();
  NodeManager nodes(*reopened, *publisher, [this] { return now_ms_; });
  int alive_events = 0;
  nodes.AddListener({[&](const rpc::GcsNodeInfo&) { alive_events++; }, nullptr});
  ASSERT_TRUE(nodes.Initialize().ok());
  EXPECT_EQ(nodes.All().size(), 2u);
  EXPECT_TRUE(nodes.IsAlive(a));
  EXPECT_FALSE(nodes.IsAlive(b));
  EXPECT_EQ(alive_events, 1);  // health checks resume for the alive node only
  JobManager jobs(*reopened, *publisher, [this] { return now_ms_; });
  EXPECT_EQ(jobs.AddJob(rpc::JobTableData())->ToInt(), 2u);
  EXPECT_EQ(*KvManager(*reopened).Get("ns", "key"), "value");
}

INSTANTIATE_TEST_SUITE_P(Backends, GcsTablesTest,
                         ::testing::Values(Backend::kMemory, Backend::kRedis),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kMemory ? "Memory" : "Redis";
                         });

}  // namespace
}  // namespace gcs
}  // namespace photon
