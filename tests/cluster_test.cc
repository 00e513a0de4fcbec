// Integration tests on a real cluster of processes (tests/cluster_fixture.h).

#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/rpc/auth.h"
#include "core/rpc/addresses.h"
#include "core/rpc/client_call.h"
#include "gcs/client/gcs_subscriber.h"
#include "gcs/store/redis_server_for_test.h"
#include "gtest/gtest.h"
#include "proto/raylet.grpc.pb.h"
#include "tests/cluster_fixture.h"
#include "tests/subprocess.h"

namespace photon {
namespace testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::unique_ptr<Cluster> StartCluster(Cluster::Options options) {
  auto cluster = Cluster::Start(options);
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  return cluster.ok() ? std::move(*cluster) : nullptr;
}

TEST(ClusterTest, ThreeNodesShowInStatusWithTheirResources) {
  Cluster::Options options;
  options.num_nodes = 0;
  std::unique_ptr<Cluster> cluster = StartCluster(options);
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster->AddNode(1).ok());
  ASSERT_TRUE(cluster->AddNode(2).ok());
  ASSERT_TRUE(cluster->AddNode(4, R"({"special": 3})").ok());

  CommandResult status = RunCommand({PhotonBinary("cli/photon"), "status", "--address=" + cluster->gcs_address()},
                                    {{"PHOTON_CLUSTER_TOKEN", cluster->token()}});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("Alive:\n 3 nodes\n"), std::string::npos) << status.output;
  for (const NodeID& id : cluster->node_ids()) {
    EXPECT_NE(status.output.find(id.Hex()), std::string::npos) << status.output;
  }
  EXPECT_NE(status.output.find(" 0.0/7.0 CPU\n"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find(" 0.0/3.0 special\n"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find(" 0B/3.00GiB memory\n"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find(" 0B/300.00MiB object_store_memory\n"), std::string::npos)
      << status.output;
  EXPECT_NE(status.output.find("(no dead nodes)"), std::string::npos) << status.output;

  auto usages = cluster->client().GetAllResourceUsage();
  ASSERT_TRUE(usages.ok()) << usages.status();
  EXPECT_EQ(usages->size(), 3u);
}

TEST(ClusterTest, KilledRayletIsDeadWithinTheHealthCheckWindow) {
  Cluster::Options options;
  options.num_nodes = 2;
  std::unique_ptr<Cluster> cluster = StartCluster(options);
  ASSERT_NE(cluster, nullptr);
  const NodeID victim = cluster->node_ids()[1];
  const auto window = milliseconds(options.health_check_period_ms *
                                       (options.health_check_failure_threshold + 1) +
                                   options.health_check_timeout_ms);
  auto killed_at = std::chrono::steady_clock::now();
  cluster->KillNode(1, SIGKILL);
  // The window plus slack for a loaded 2-core machine; the figure is printed.
  ASSERT_TRUE(cluster->WaitForNodeState(victim, rpc::GcsNodeInfo::DEAD, window + seconds(5)).ok());
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - killed_at);
  std::cout << "raylet SIGKILL -> DEAD in " << took.count() << " ms (window " << window.count()
            << " ms)\n";

  auto nodes = cluster->client().GetAllNodes();
  ASSERT_TRUE(nodes.ok());
  for (const rpc::GcsNodeInfo& n : *nodes) {
    if (n.node_id() == victim.Binary()) {
      EXPECT_NE(n.death_reason().find("health check failed 3 times"), std::string::npos)
          << n.death_reason();
    } else {
      EXPECT_EQ(n.state(), rpc::GcsNodeInfo::ALIVE);
    }
  }
  auto usages = cluster->client().GetAllResourceUsage();
  ASSERT_TRUE(usages.ok());
  EXPECT_EQ(usages->size(), 1u);  // the dead node's resources left the view
}

TEST(ClusterTest, StoppedRayletUnregistersAtOnce) {
  std::unique_ptr<Cluster> cluster = StartCluster(Cluster::Options{});
  ASSERT_NE(cluster, nullptr);
  cluster->KillNode(0, SIGTERM);
  ASSERT_TRUE(cluster->WaitForNodeState(cluster->node_ids()[0], rpc::GcsNodeInfo::DEAD, seconds(10)).ok());
  auto nodes = cluster->client().GetAllNodes();
  ASSERT_TRUE(nodes.ok());
  EXPECT_EQ((*nodes)[0].death_reason(), "raylet stopped (SIGTERM)");
}

// Collects what a GcsSubscriber delivers on the NODE channel.
struct NodeEvents {
  std::mutex mu;
  int snapshots = 0;
  std::vector<std::string> alive_ids;  // node ids seen ALIVE, in order

  gcs::GcsSubscriber::Callbacks Callbacks() {
    return {[this](const std::vector<rpc::PubMessage>& all) {
              std::lock_guard<std::mutex> lock(mu);
              snapshots++;
              for (const auto& m : all) {
                if (m.node().state() == rpc::GcsNodeInfo::ALIVE) alive_ids.push_back(m.node().node_id());
              }
            },
            [this](const rpc::PubMessage& m) {
              std::lock_guard<std::mutex> lock(mu);
              if (m.node().state() == rpc::GcsNodeInfo::ALIVE) alive_ids.push_back(m.node().node_id());
            }};
  }
  bool Saw(const NodeID& id) {
    std::lock_guard<std::mutex> lock(mu);
    return std::find(alive_ids.begin(), alive_ids.end(), id.Binary()) != alive_ids.end();
  }
  int Snapshots() {
    std::lock_guard<std::mutex> lock(mu);
    return snapshots;
  }
};

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

TEST(ClusterTest, GcsOnRedisKilledAndRestartedRecoversEverything) {
  auto redis = gcs::RedisServerForTest::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  Cluster::Options options;
  options.num_nodes = 2;
  options.storage = "redis://" + (*redis)->address();
  std::unique_ptr<Cluster> cluster = StartCluster(options);
  ASSERT_NE(cluster, nullptr);
  gcs::GcsClient& gcs = cluster->client();
  ASSERT_TRUE(gcs.KvPut("app", "config", "value-1", true).ok());
  auto job = gcs.AddJob(rpc::JobTableData());
  ASSERT_TRUE(job.ok()) << job.status();
  NodeEvents events;
  gcs::GcsSubscriber subscriber(gcs, {rpc::NODE}, events.Callbacks(), milliseconds(300));
  subscriber.Start();
  ASSERT_TRUE(WaitUntil([&] { return events.Snapshots() == 1; }, seconds(10)));

  cluster->KillGcs();
  // Both raylets notice the GCS is gone (and keep running) before it returns.
  for (int i = 0; i < 2; i++) {
    std::string log = "raylet-" + std::to_string(i);
    ASSERT_TRUE(WaitUntil([&] { return cluster->ReadLog(log).find("is unreachable") != std::string::npos; },
                          seconds(10)))
        << cluster->ReadLog(log);
  }
  ASSERT_TRUE(cluster->RestartGcs().ok());

  // Same nodes, all alive; the raylets kept running and registered again.
  auto nodes = gcs.GetAllNodes();
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 2u);
  for (const rpc::GcsNodeInfo& n : *nodes) EXPECT_EQ(n.state(), rpc::GcsNodeInfo::ALIVE);
  EXPECT_TRUE(WaitUntil(
      [&] { return cluster->ReadLog("gcs").find("node re-registered") != std::string::npos; },
      seconds(10)))
      << cluster->ReadLog("gcs");
  for (int i = 0; i < 2; i++) {
    EXPECT_EQ(kill(cluster->node_pid(i), 0), 0) << "raylet " << i << " died with the GCS";
  }
  // Tables intact; the job counter carries on.
  EXPECT_EQ(*gcs.KvGet("app", "config"), "value-1");
  auto next_job = gcs.AddJob(rpc::JobTableData());
  ASSERT_TRUE(next_job.ok());
  EXPECT_EQ(next_job->ToInt(), job->ToInt() + 1);
  auto jobs = gcs.GetAllJobs();
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(jobs->size(), 2u);
  // Health checks resumed: a raylet killed now is still detected.
  cluster->KillNode(0, SIGKILL);
  EXPECT_TRUE(cluster->WaitForNodeState(cluster->node_ids()[0], rpc::GcsNodeInfo::DEAD, seconds(15)).ok());

  // The subscriber got a fresh snapshot from the new GCS and follows new changes.
  EXPECT_TRUE(WaitUntil([&] { return events.Snapshots() >= 2; }, seconds(10)));
  auto added = cluster->AddNode(1);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_TRUE(WaitUntil([&] { return events.Saw(*added); }, seconds(10)));
  subscriber.Stop();
}

TEST(ClusterTest, GcsWhoseRedisDiesReportsItAndRecovers) {
  auto redis = gcs::RedisServerForTest::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  Cluster::Options options;
  options.storage = "redis://" + (*redis)->address();
  std::unique_ptr<Cluster> cluster = StartCluster(options);
  ASSERT_NE(cluster, nullptr);
  gcs::GcsClient& gcs = cluster->client();
  ASSERT_TRUE(gcs.KvPut("ns", "before", "1", true).ok());
  (*redis)->Kill();
  absl::Status down = gcs.KvPut("ns", "during", "2", true).status();
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
  EXPECT_NE(down.message().find("redis " + (*redis)->address() + " unreachable"), std::string::npos) << down;
  // The GCS itself keeps serving what does not need Redis.
  EXPECT_TRUE(gcs.GetAllNodes().ok());
  ASSERT_TRUE((*redis)->Restart().ok());  // a new, empty Redis on the same port
  EXPECT_TRUE(gcs.KvPut("ns", "after", "3", true).ok());
  EXPECT_EQ(*gcs.KvGet("ns", "after"), "3");
}

TEST(ClusterTest, TaskEventsAreKeptPerTaskAndServedByJob) {
  std::unique_ptr<Cluster> cluster = StartCluster(Cluster::Options{});
  ASSERT_NE(cluster, nullptr);
  gcs::GcsClient& gcs = cluster->client();
  JobID job = *gcs.AddJob(rpc::JobTableData());
  TaskID task = TaskID::Of(ActorID::Of(job));
  rpc::AddTaskEventsRequest batch;
  for (rpc::TaskState state : {rpc::SUBMITTED, rpc::SCHEDULED, rpc::RUNNING, rpc::FAILED}) {
    rpc::TaskEvent& e = *batch.add_events();
    e.set_task_id(task.Binary());
    e.set_state(state);
    e.set_timestamp_ms(100 + state);
    if (state == rpc::FAILED) e.set_error_message("worker crashed");
  }
  ASSERT_TRUE(gcs.AddTaskEvents(batch).ok());
  auto events = gcs.GetTaskEvents(job, 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->tasks_size(), 1);
  EXPECT_EQ(events->tasks(0).state(), rpc::FAILED);
  EXPECT_EQ(events->tasks(0).error_message(), "worker crashed");
  EXPECT_EQ(gcs.GetTaskEvents(JobID::FromInt(job.ToInt() + 1), 10)->tasks_size(), 0);
}

TEST(ClusterTest, InMemoryGcsRestartedLearnsTheNodesAgain) {
  Cluster::Options options;
  options.num_nodes = 2;
  std::unique_ptr<Cluster> cluster = StartCluster(options);
  ASSERT_NE(cluster, nullptr);
  ASSERT_TRUE(cluster->RestartGcs().ok());
  // The new GCS knows nothing; raylets get NOT_FOUND on their next report
  // and register again with the same IDs.
  ASSERT_TRUE(cluster->WaitForAliveNodes(2, seconds(15)).ok());
  auto nodes = cluster->client().GetAllNodes();
  ASSERT_TRUE(nodes.ok());
  for (const rpc::GcsNodeInfo& n : *nodes) {
    EXPECT_TRUE(n.node_id() == cluster->node_ids()[0].Binary() ||
                n.node_id() == cluster->node_ids()[1].Binary());
  }
}

TEST(ClusterTest, CallsWithoutTheRightTokenAreRefused) {
  std::unique_ptr<Cluster> cluster = StartCluster(Cluster::Options{});
  ASSERT_NE(cluster, nullptr);
  auto stub = rpc::NodeInfoGcsService::NewStub(rpc::MakeChannel(cluster->gcs_address()));
  rpc::GetAllNodeInfoReply reply;
  grpc::ClientContext no_token;
  grpc::Status missing = stub->GetAllNodeInfo(&no_token, rpc::GetAllNodeInfoRequest(), &reply);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(reply.nodes_size(), 0);

  gcs::GcsClient wrong({cluster->gcs_address(), "not-the-token", {}});
  absl::Status kv = wrong.KvPut("ns", "k", "v", true).status();
  EXPECT_EQ(kv.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(kv.message(), "wrong cluster token");
  EXPECT_EQ(cluster->client().KvExists("ns", "k").value_or(true), false);  // nothing was written
  EXPECT_NE(cluster->ReadLog("gcs").find("refused InternalKV.Put"), std::string::npos);

  // The raylet checks the token too.
  auto nodes = cluster->client().GetAllNodes();
  ASSERT_TRUE(nodes.ok());
  auto raylet = rpc::RayletService::NewStub(rpc::MakeChannel(rpc::RayletAddress((*nodes)[0])));
  grpc::ClientContext raylet_ctx;
  rpc::HealthCheckReply health;
  EXPECT_EQ(raylet->HealthCheck(&raylet_ctx, rpc::HealthCheckRequest(), &health).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST(ClusterTest, BadInputGetsAClearErrorAndTheGcsKeepsServing) {
  std::unique_ptr<Cluster> cluster = StartCluster(Cluster::Options{});
  ASSERT_NE(cluster, nullptr);
  gcs::GcsClient& gcs = cluster->client();

  NodeID unknown = NodeID::FromRandom();
  absl::Status unregister = gcs.UnregisterNode(unknown, "test");
  EXPECT_EQ(unregister.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(unregister.message(), "unknown node " + unknown.Hex());

  EXPECT_EQ(gcs.KvPut("ns", "", "v", true).status().message(), "internal KV: the key is empty");
  EXPECT_EQ(gcs.KvGet("ns", "missing").status().code(), absl::StatusCode::kNotFound);

  rpc::GcsNodeInfo bad;
  bad.set_node_id("short");
  EXPECT_EQ(gcs.RegisterNode(bad).message(), "NodeID must be 28 bytes, got 5");
  rpc::ResourceUsage usage;
  usage.set_node_id(unknown.Binary());
  EXPECT_EQ(gcs.ReportResourceUsage(usage).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(gcs.MarkJobFinished(JobID::FromInt(77)).message(), "unknown job 0000004d");

  CommandResult raylet = RunCommand({PhotonBinary("raylet/photon-raylet"),
                                     "--gcs-address=" + cluster->gcs_address(), "--resources={oops"},
                                    {{"PHOTON_CLUSTER_TOKEN", cluster->token()}});
  EXPECT_EQ(raylet.exit_code, 2);
  EXPECT_NE(raylet.output.find("--resources must be a JSON object"), std::string::npos) << raylet.output;

  CommandResult status = RunCommand({PhotonBinary("cli/photon"), "status", "--bogus"});
  EXPECT_EQ(status.exit_code, 2);
  EXPECT_NE(status.output.find("unknown flag --bogus"), std::string::npos) << status.output;

  rpc::AddTaskEventsRequest bad_batch;
  rpc::TaskEvent& bad_event = *bad_batch.add_events();
  bad_event.set_task_id("short");
  bad_event.set_state(rpc::RUNNING);
  EXPECT_EQ(gcs.AddTaskEvents(bad_batch).message(), "task event 0 of 1: TaskID must be 24 bytes, got 5");

  // Still serving, and the one node is untouched.
  ASSERT_TRUE(cluster->WaitForAliveNodes(1, seconds(5)).ok());
  EXPECT_TRUE(gcs.KvPut("ns", "k", "v", true).ok());
}

TEST(ClusterTest, EachRayletExportsMetricsOnItsOwnPortAndATakenPortIsAClearError) {
  Cluster::Options options;
  options.num_nodes = 2;
  std::unique_ptr<Cluster> cluster = StartCluster(options);
  ASSERT_NE(cluster, nullptr);
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = cluster->client().GetAllNodes();
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 2u);
  const int taken = (*nodes)[0].metrics_export_port();
  EXPECT_GT(taken, 0);
  EXPECT_GT((*nodes)[1].metrics_export_port(), 0);
  EXPECT_NE((*nodes)[1].metrics_export_port(), taken);

  CommandResult raylet = RunCommand({PhotonBinary("raylet/photon-raylet"), "--gcs-address=" + cluster->gcs_address(),
                                     absl::StrCat("--metrics-export-port=", taken)},
                                    {{"PHOTON_CLUSTER_TOKEN", cluster->token()}});
  EXPECT_EQ(raylet.exit_code, 1);
  EXPECT_NE(raylet.output.find(absl::StrCat("cannot export metrics on port ", taken, " (--metrics-export-port)")),
            std::string::npos)
      << raylet.output;
  EXPECT_NE(raylet.output.find("--metrics-export-port=0 to export none"), std::string::npos) << raylet.output;
  ASSERT_TRUE(cluster->WaitForAliveNodes(2, seconds(5)).ok()) << "the failed raylet never joined";
}

}  // namespace
}  // namespace testing
}  // namespace photon
