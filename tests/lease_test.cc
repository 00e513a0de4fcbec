// Worker leases on a real cluster: spillback to the node that has the
// resources, an infeasible request that waits (and shows as demand) without
// holding up others, a worker that cannot start, a grant whose requester
// gave up meanwhile, and leases into a placement group's bundle.

#include <unistd.h>

#include <future>
#include <thread>

#include "core/rpc/addresses.h"
#include "core/rpc/client_call.h"
#include "gtest/gtest.h"
#include "proto/raylet.grpc.pb.h"
#include "tests/cluster_fixture.h"

namespace photon {
namespace testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Cluster::Options options;
    options.num_nodes = 0;
    auto cluster = Cluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->AddNode(1).ok());
    ASSERT_TRUE(cluster_->AddNode(1, R"({"special": 2})").ok());
    for (int i = 0; i < 2; i++) {
      auto info = cluster_->NodeInfo(i);
      ASSERT_TRUE(info.ok());
      addresses_.push_back(rpc::RayletAddress(*info));
      raylets_.push_back(rpc::RayletService::NewStub(rpc::MakeChannel(addresses_.back())));
    }
  }

  grpc::Status Lease(int node, std::map<std::string, double> shape, std::vector<std::string> command,
                     rpc::RequestWorkerLeaseReply* reply, milliseconds deadline = milliseconds(20000),
                     bool spilled_back = false, const rpc::LeaseSchedulingStrategy& strategy = {}) {
    rpc::RequestWorkerLeaseRequest request;
    request.set_spilled_back(spilled_back);
    request.set_job_id(JobID::FromInt(1).Binary());
    for (const auto& [k, v] : shape) (*request.mutable_resources()->mutable_amounts())[k] = v;
    for (const std::string& c : command) request.add_worker_command(c);
    *request.mutable_strategy() = strategy;
    grpc::ClientContext ctx;
    rpc::SetAuthToken(&ctx, cluster_->token());
    ctx.set_deadline(std::chrono::system_clock::now() + deadline);
    return raylets_[node]->RequestWorkerLease(&ctx, request, reply);
  }

  // Node `node`'s RayletService.Method(request), with the cluster token.
  template <typename Request, typename Reply>
  grpc::Status Call(int node,
                    grpc::Status (rpc::RayletService::Stub::*method)(grpc::ClientContext*, const Request&, Reply*),
                    const Request& request) {
    Reply reply;
    grpc::ClientContext ctx;
    rpc::SetAuthToken(&ctx, cluster_->token());
    ctx.set_deadline(std::chrono::system_clock::now() + seconds(10));
    return (raylets_[node].get()->*method)(&ctx, request, &reply);
  }

  double AvailableCpus(int node) {
    rpc::GetNodeStatsReply stats;
    grpc::ClientContext ctx;
    rpc::SetAuthToken(&ctx, cluster_->token());
    grpc::Status s = raylets_[node]->GetNodeStats(&ctx, rpc::GetNodeStatsRequest(), &stats);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return stats.available().amounts().at("CPU");
  }

  // The test binary, which leased workers run in worker mode.
  static std::vector<std::string> WorkerCommand() {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    return {std::string(self, n > 0 ? static_cast<size_t>(n) : 0)};
  }

  std::unique_ptr<Cluster> cluster_;
  std::vector<std::unique_ptr<rpc::RayletService::Stub>> raylets_;
  std::vector<std::string> addresses_;
};

TEST_F(LeaseTest, ARequestForACustomResourceIsSpilledToTheNodeThatHasIt) {
  rpc::RequestWorkerLeaseReply reply;
  // The view reaches node 0 by pubsub; give it a moment by retrying briefly.
  grpc::Status s;
  for (int i = 0; i < 100; i++) {
    reply.Clear();
    s = Lease(0, {{"CPU", 1}, {"special", 1}}, {"/bin/true"}, &reply, milliseconds(200));
    if (s.ok()) break;
  }
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(reply.spillback_node_id(), cluster_->node_ids()[1].Binary());
  EXPECT_EQ(reply.spillback_raylet_address(), addresses_[1]);
  EXPECT_EQ(reply.lease_id(), 0);
}

TEST_F(LeaseTest, AnInfeasibleRequestWaitsShowsAsDemandAndHoldsUpNothingElse) {
  auto waiting = std::async(std::launch::async, [&] {
    rpc::RequestWorkerLeaseReply reply;
    return Lease(0, {{"CPU", 64}}, {"/bin/true"}, &reply, milliseconds(3000));
  });
  // Other requests are still answered meanwhile.
  rpc::RequestWorkerLeaseReply failed;
  grpc::Status start = Lease(0, {{"CPU", 1}}, {"/bin/false"}, &failed);
  EXPECT_EQ(start.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(start.error_message().find("no worker could be started"), std::string::npos) << start.error_message();
  // (Workers prestarted with the job's first command, /bin/true, may be the
  // ones whose exit is reported.)
  EXPECT_NE(start.error_message().find("before it registered"), std::string::npos) << start.error_message();
  EXPECT_NE(start.error_message().find("exited with code"), std::string::npos) << start.error_message();
  // The GCS hears about the waiting request as infeasible demand.
  bool seen = false;
  for (int i = 0; i < 100 && !seen; i++) {
    auto usages = cluster_->client().GetAllResourceUsage();
    ASSERT_TRUE(usages.ok());
    for (const rpc::ResourceUsage& u : *usages) {
      for (const rpc::ResourceDemand& d : u.demand()) {
        seen = seen || (d.infeasible() == 1 && d.shape().amounts().count("CPU") && d.shape().amounts().at("CPU") == 64);
      }
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(seen);
  EXPECT_NE(cluster_->ReadLog("raylet-0").find("cannot be scheduled: no alive node can ever hold {CPU: 64}"),
            std::string::npos);
  EXPECT_EQ(waiting.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The failed start gave its CPU back.
  auto usages = cluster_->client().GetAllResourceUsage();
  for (const rpc::ResourceUsage& u : *usages) {
    if (u.node_id() == cluster_->node_ids()[0].Binary()) {
      EXPECT_EQ(u.available().amounts().at("CPU"), 1);
    }
  }
}

// A request that waited for a CPU and gave up (deadline, retry, exit) must
// not keep the CPU when it is granted later: nobody would ever return it.
TEST_F(LeaseTest, AGrantWhoseRequesterGaveUpIsReturned) {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  const std::vector<std::string> worker = {std::string(self, static_cast<size_t>(n))};
  rpc::RequestWorkerLeaseReply held;
  ASSERT_TRUE(Lease(0, {{"CPU", 1}}, worker, &held, seconds(30), true).ok());
  ASSERT_NE(held.lease_id(), 0);
  // Waits here for node 0's only CPU (spilled_back: it may not move on) and gives up.
  rpc::RequestWorkerLeaseReply gave_up;
  EXPECT_EQ(Lease(0, {{"CPU", 1}}, worker, &gave_up, milliseconds(500), true).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  rpc::ReturnWorkerRequest give_back;
  give_back.set_lease_id(held.lease_id());
  rpc::ReturnWorkerReply returned;
  grpc::ClientContext ctx;
  rpc::SetAuthToken(&ctx, cluster_->token());
  ASSERT_TRUE(raylets_[0]->ReturnWorker(&ctx, give_back, &returned).ok());
  // The CPU went to the abandoned request and came straight back.
  rpc::RequestWorkerLeaseReply next;
  grpc::Status s = Lease(0, {{"CPU", 1}}, worker, &next, seconds(10), true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(next.lease_id(), 0);
  EXPECT_NE(cluster_->ReadLog("raylet-0").find("granted after its requester gave up; returned"), std::string::npos);
}

// A committed bundle holds node 0's only CPU: leases of its group are granted
// from it, a plain request waits, and the CPU is the node's again once the
// group is cancelled and its lease returned.
TEST_F(LeaseTest, APlacementGroupLeaseRunsInItsBundleWhileThePlainRequestWaits) {
  const std::vector<std::string> worker = WorkerCommand();
  const PlacementGroupID group = PlacementGroupID::Of(JobID::FromInt(1));
  rpc::PrepareBundlesRequest prepare;
  rpc::Bundle* bundle = prepare.add_bundles();
  bundle->set_placement_group_id(group.Binary());
  bundle->set_bundle_index(0);
  (*bundle->mutable_resources()->mutable_amounts())["CPU"] = 1;
  bundle->set_node_id(cluster_->node_ids()[0].Binary());
  grpc::Status s = Call(0, &rpc::RayletService::Stub::PrepareBundles, prepare);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(AvailableCpus(0), 0);  // reserved: not offered to anyone else
  rpc::CommitBundlesRequest commit;
  *commit.mutable_bundles() = prepare.bundles();
  s = Call(0, &rpc::RayletService::Stub::CommitBundles, commit);
  ASSERT_TRUE(s.ok()) << s.error_message();

  rpc::LeaseSchedulingStrategy in_group;
  in_group.set_kind(rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP);
  in_group.set_node_id(cluster_->node_ids()[0].Binary());
  in_group.set_placement_group_id(group.Binary());
  in_group.set_bundle_index(-1);
  rpc::RequestWorkerLeaseReply pg_lease;
  s = Lease(0, {{"CPU", 1}}, worker, &pg_lease, seconds(30), false, in_group);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_NE(pg_lease.lease_id(), 0);
  EXPECT_EQ(AvailableCpus(0), 0);
  // The node's only CPU is the bundle's: a plain request that may not move on waits.
  rpc::RequestWorkerLeaseReply plain;
  EXPECT_EQ(Lease(0, {{"CPU", 1}}, worker, &plain, milliseconds(500), true).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // A group with no bundle here fails at once.
  rpc::LeaseSchedulingStrategy elsewhere = in_group;
  const PlacementGroupID other = PlacementGroupID::Of(JobID::FromInt(1));
  elsewhere.set_placement_group_id(other.Binary());
  s = Lease(0, {{"CPU", 1}}, worker, &plain, seconds(10), false, elsewhere);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "placement group " + other.Hex() + " has no bundle on node " +
                                   cluster_->node_ids()[0].Hex());

  rpc::CancelBundlesRequest cancel;
  cancel.set_placement_group_id(group.Binary());
  ASSERT_TRUE(Call(0, &rpc::RayletService::Stub::CancelBundles, cancel).ok());
  ASSERT_TRUE(Call(0, &rpc::RayletService::Stub::CancelBundles, cancel).ok());  // idempotent
  cancel.set_placement_group_id("short");
  EXPECT_EQ(Call(0, &rpc::RayletService::Stub::CancelBundles, cancel).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Cancelling the bundles ended the lease that ran in them (and freed its
  // CPU: the plain lease below gets it).
  rpc::ReturnWorkerRequest give_back;
  give_back.set_lease_id(pg_lease.lease_id());
  EXPECT_EQ(Call(0, &rpc::RayletService::Stub::ReturnWorker, give_back).error_code(), grpc::StatusCode::NOT_FOUND);
  s = Lease(0, {{"CPU", 1}}, worker, &plain, seconds(10), true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_NE(plain.lease_id(), 0);
}

TEST_F(LeaseTest, ReturningAnUnknownLeaseIsAClearError) {
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(12345);
  rpc::ReturnWorkerReply reply;
  grpc::ClientContext ctx;
  rpc::SetAuthToken(&ctx, cluster_->token());
  grpc::Status s = raylets_[0]->ReturnWorker(&ctx, request, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "unknown lease 12345");
}

// GetNodeStats: the node's workers with their kind and state, the lease
// requests that wait, and the machine's CPU and memory.
TEST_F(LeaseTest, NodeStatsListWorkersQueuedLeasesAndTheMachine) {
  const std::vector<std::string> worker = WorkerCommand();
  rpc::RequestWorkerLeaseReply granted;
  grpc::Status s = Lease(0, {{"CPU", 1}}, worker, &granted, seconds(30), true);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_NE(granted.lease_id(), 0);
  // Node 0's only CPU is leased: one more request waits, one can never run.
  auto waiting = std::async(std::launch::async, [&] {
    rpc::RequestWorkerLeaseReply reply;
    return Lease(0, {{"CPU", 1}}, worker, &reply, milliseconds(3000), true);
  });
  auto infeasible = std::async(std::launch::async, [&] {
    rpc::RequestWorkerLeaseReply reply;
    return Lease(0, {{"CPU", 64}}, worker, &reply, milliseconds(3000), true);
  });
  rpc::GetNodeStatsReply stats;
  for (int i = 0; i < 200; i++) {
    stats.Clear();
    grpc::ClientContext ctx;
    rpc::SetAuthToken(&ctx, cluster_->token());
    ASSERT_TRUE(raylets_[0]->GetNodeStats(&ctx, rpc::GetNodeStatsRequest(), &stats).ok());
    if (stats.num_queued_leases() == 2 && stats.usage().cpu_percent() > 0) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(stats.num_queued_leases(), 2);
  EXPECT_EQ(stats.num_infeasible_leases(), 1);
  EXPECT_EQ(stats.num_leases_waiting_for_workers(), 0);
  bool leased_listed = false;
  for (const rpc::WorkerStats& w : stats.workers()) {
    if (w.worker_id() != granted.worker().worker_id()) continue;
    leased_listed = true;
    EXPECT_EQ(w.kind(), rpc::WorkerStats::TASK);
    EXPECT_EQ(w.state(), rpc::WorkerStats::BUSY);
    EXPECT_EQ(w.job_id(), JobID::FromInt(1).Binary());
    EXPECT_GT(w.pid(), 0);
  }
  EXPECT_TRUE(leased_listed) << stats.DebugString();
  EXPECT_GT(stats.usage().cpu_count(), 0);
  EXPECT_GT(stats.usage().cpu_percent(), 0) << "sampled every second";
  EXPECT_LE(stats.usage().cpu_percent(), 100);
  EXPECT_GT(stats.usage().mem_total_bytes(), 0);
  EXPECT_EQ(stats.usage().mem_used_bytes() + stats.usage().mem_available_bytes(), stats.usage().mem_total_bytes());
  EXPECT_EQ(waiting.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(infeasible.get().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

}  // namespace
}  // namespace testing
}  // namespace photon
