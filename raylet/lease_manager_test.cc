#include "raylet/lease_manager.h"

#include <map>

#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

using scheduler::ClusterResourceView;
using scheduler::GpuInstances;
using scheduler::ResourceNames;
using scheduler::ResourceRequest;
using scheduler::SchedulingPolicy;
using scheduler::SchedulingStrategy;

// Hands out numbered workers at once, or fails when told to.
class FakeWorkers : public WorkerSource {
 public:
  void PopWorker(const JobID& job, const std::vector<int>& gpu_ids, bool /*dedicated*/,
                 std::function<void(absl::StatusOr<WorkerHandle>)> done) override {
    last_gpu_ids = gpu_ids;
    if (fail) return done(absl::InternalError("exec failed"));
    WorkerHandle w;
    w.id = WorkerID::FromRandom();
    w.ip = "127.0.0.1";
    w.port = 10000 + popped++;
    done(w);
  }
  void PushWorker(const WorkerHandle&, bool died) override { pushed += 1 + (died ? 100 : 0); }
  void SetBlocked(const WorkerID&, bool blocked) override { blocked_now += blocked ? 1 : -1; }
  bool NewerBlockNotice(const WorkerID& worker, int64_t sequence) override {
    if (sequence <= sequences[worker]) return false;
    sequences[worker] = sequence;
    return true;
  }
  std::map<WorkerID, int64_t> sequences;
  int popped = 0;
  int blocked_now = 0;
  int pushed = 0;
  bool fail = false;
  std::vector<int> last_gpu_ids;
};

class LeaseManagerTest : public ::testing::Test {
 protected:
  LeaseManager& Manager() {
    if (!manager_) {
      manager_ = std::make_unique<LeaseManager>(
          LeaseManager::Deps{view_, policy_, local_, workers_, gpus_, &bundles_,
                             [this](const std::string& m) { warnings_.push_back(m); }});
    }
    return *manager_;
  }
  LeaseRequest Request(std::map<std::string, double> shape, std::vector<LeaseReply>* replies, bool spilled = false) {
    LeaseRequest r;
    r.job = JobID::FromInt(1);
    r.resources = ResourceRequest::FromMap(shape, ResourceNames::Global());
    r.strategy = SchedulingStrategy::Hybrid();
    r.spilled_back = spilled;
    r.reply = [replies](const LeaseReply& reply) { replies->push_back(reply); };
    return r;
  }
  // A request into `group`'s bundle `index` (kAnyBundle: any of them).
  LeaseRequest BundleRequest(const PlacementGroupID& group, int index, std::map<std::string, double> shape,
                             std::vector<LeaseReply>* replies) {
    LeaseRequest r = Request(shape, replies);
    r.bundle = BundleTarget{group, index};
    return r;
  }
  ResourceRequest Cpus(double n) { return ResourceRequest::FromMap({{"CPU", n}}, ResourceNames::Global()); }

  ClusterResourceView view_{ResourceNames::Global()};
  SchedulingPolicy policy_{view_};
  NodeID local_id_ = NodeID::FromRandom();
  int local_ = view_.UpdateNode(local_id_, {{"CPU", 2}, {"GPU", 2}}, {{"CPU", 2}, {"GPU", 2}});
  BundleReservations bundles_{view_, local_};
  GpuInstances gpus_{2};
  FakeWorkers workers_;
  std::vector<std::string> warnings_;
  std::unique_ptr<LeaseManager> manager_;
};

TEST_F(LeaseManagerTest, GrantsLocallyQueuesWhenFullAndGrantsOnReturn) {
  std::vector<LeaseReply> replies;
  for (int i = 0; i < 3; i++) Manager().RequestLease(Request({{"CPU", 1}}, &replies));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].kind, LeaseReply::kGranted);
  EXPECT_EQ(Manager().num_queued(), 1u);
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 0);
  auto demand = Manager().Demand();
  ASSERT_EQ(demand.size(), 1u);
  EXPECT_EQ(demand[0].ready, 1);
  EXPECT_EQ(demand[0].shape.at("CPU"), 1);
  ASSERT_TRUE(Manager().ReturnLease(replies[0].lease_id, false).ok());
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[2].kind, LeaseReply::kGranted);
  EXPECT_EQ(workers_.pushed, 1);
  EXPECT_EQ(Manager().ReturnLease(999, false).code(), absl::StatusCode::kNotFound);
}

TEST_F(LeaseManagerTest, SpillsBackToAFreeNodeButNotTwice) {
  NodeID other = NodeID::FromRandom();
  view_.UpdateNode(other, {{"CPU", 8}}, {{"CPU", 8}});
  std::vector<LeaseReply> replies;
  Manager().RequestLease(Request({{"CPU", 1}}, &replies));  // local stays at 0.5: packs here
  Manager().RequestLease(Request({{"CPU", 2}}, &replies));  // does not fit here: the other node
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].kind, LeaseReply::kGranted);
  EXPECT_EQ(replies[1].kind, LeaseReply::kSpillback);
  EXPECT_EQ(replies[1].spillback_node, other);
  Manager().RequestLease(Request({{"CPU", 2}}, &replies, /*spilled=*/true));
  EXPECT_EQ(replies.size(), 2u);  // waits here instead of bouncing
  EXPECT_EQ(Manager().num_queued(), 1u);
}

TEST_F(LeaseManagerTest, InfeasibleWarnsOnceAndRunsWhenANodeCanHoldIt) {
  std::vector<LeaseReply> replies;
  Manager().RequestLease(Request({{"CPU", 1}, {"special", 1}}, &replies));
  Manager().RequestLease(Request({{"CPU", 1}, {"special", 1}}, &replies));
  EXPECT_TRUE(replies.empty());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("special"), std::string::npos) << warnings_[0];
  EXPECT_NE(warnings_[0].find("no alive node can ever hold"), std::string::npos) << warnings_[0];
  ASSERT_EQ(Manager().Demand().size(), 1u);
  EXPECT_EQ(Manager().Demand()[0].infeasible, 2);
  // Other work is not held up.
  Manager().RequestLease(Request({{"CPU", 1}}, &replies));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].kind, LeaseReply::kGranted);
  // A node with the resource joins: the waiting requests go there.
  NodeID special = NodeID::FromRandom();
  view_.UpdateNode(special, {{"CPU", 4}, {"special", 2}}, {{"CPU", 4}, {"special", 2}});
  Manager().OnClusterViewChanged();
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[1].kind, LeaseReply::kSpillback);
  EXPECT_EQ(replies[1].spillback_node, special);
  EXPECT_EQ(Manager().num_queued(), 0u);
}

TEST_F(LeaseManagerTest, HardAffinityToAMissingNodeFailsAndHoldsNothingBack) {
  std::vector<LeaseReply> pinned, other;
  LeaseRequest request = Request({{"CPU", 1}}, &pinned);
  request.strategy = SchedulingStrategy::NodeAffinity(NodeID::FromRandom(), /*soft=*/false);
  Manager().RequestLease(std::move(request));
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].kind, LeaseReply::kFailed);
  EXPECT_EQ(pinned[0].error_code, absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(pinned[0].error.find("unknown or dead"), std::string::npos) << pinned[0].error;
  Manager().RequestLease(Request({{"CPU", 1}}, &other));  // same shape, any node
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].kind, LeaseReply::kGranted);
}

TEST_F(LeaseManagerTest, HardAffinityRequestsFailWhenTheirNodeDies) {
  NodeID remote = NodeID::FromRandom();
  view_.UpdateNode(remote, {{"CPU", 1}}, {{"CPU", 0}});  // busy: the request waits
  std::vector<LeaseReply> pinned;
  LeaseRequest request = Request({{"CPU", 1}}, &pinned);
  request.strategy = SchedulingStrategy::NodeAffinity(remote, /*soft=*/false);
  Manager().RequestLease(std::move(request));
  EXPECT_TRUE(pinned.empty());
  EXPECT_EQ(Manager().num_queued(), 1u);
  view_.MarkDead(remote);
  Manager().OnClusterViewChanged();
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].kind, LeaseReply::kFailed);
  EXPECT_EQ(Manager().num_queued(), 0u);
}

TEST_F(LeaseManagerTest, ABigRequestDoesNotStarveSmallOnes) {
  std::vector<LeaseReply> big_replies, small_replies;
  Manager().RequestLease(Request({{"CPU", 1}}, &small_replies));
  Manager().RequestLease(Request({{"CPU", 2}}, &big_replies));  // waits: 1 CPU left
  Manager().RequestLease(Request({{"CPU", 1}}, &small_replies));
  EXPECT_TRUE(big_replies.empty());
  EXPECT_EQ(small_replies.size(), 2u);
}

TEST_F(LeaseManagerTest, GpuLeasesCarryTheirInstances) {
  std::vector<LeaseReply> replies;
  Manager().RequestLease(Request({{"CPU", 1}, {"GPU", 1}}, &replies));
  Manager().RequestLease(Request({{"CPU", 1}, {"GPU", 1}}, &replies));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].gpu_ids, std::vector<int>{0});
  EXPECT_EQ(replies[1].gpu_ids, std::vector<int>{1});
  EXPECT_EQ(workers_.last_gpu_ids, std::vector<int>{1});
  ASSERT_TRUE(Manager().ReturnLease(replies[0].lease_id, true).ok());
  EXPECT_EQ(workers_.pushed, 101);  // the pool hears the worker died
  EXPECT_EQ(gpus_.available(0).ToDouble(), 1);
}

TEST_F(LeaseManagerTest, AnOwnersDeathEndsItsLeasesAndDropsItsRequests) {
  const WorkerID owner = WorkerID::FromRandom();
  std::vector<LeaseReply> owned, other;
  LeaseRequest a = Request({{"CPU", 1}}, &owned);
  a.owner = owner;
  LeaseRequest waiting = Request({{"CPU", 1}}, &owned);
  waiting.owner = owner;
  Manager().RequestLease(std::move(a));
  Manager().RequestLease(Request({{"CPU", 1}}, &other));
  Manager().RequestLease(std::move(waiting));
  ASSERT_EQ(owned.size(), 1u);
  EXPECT_EQ(Manager().num_queued(), 1u);
  Manager().OnWorkerDied(owner);
  EXPECT_EQ(workers_.pushed, 101);  // its leased worker is stopped
  ASSERT_EQ(owned.size(), 2u);
  EXPECT_EQ(owned[1].kind, LeaseReply::kFailed);
  EXPECT_EQ(owned[1].error, "the worker that asked for this lease died");
  EXPECT_EQ(Manager().num_queued(), 0u);
  EXPECT_EQ(Manager().num_leases(), 1u);  // the other owner's lease stays
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 1);
}

TEST_F(LeaseManagerTest, ABlockedLeaseLendsItsCpusButKeepsItsGpus) {
  std::vector<LeaseReply> first, second;
  Manager().RequestLease(Request({{"CPU", 2}, {"GPU", 1}}, &first));
  ASSERT_EQ(first.size(), 1u);
  Manager().RequestLease(Request({{"CPU", 1}}, &second));
  EXPECT_TRUE(second.empty());
  const WorkerID worker = first[0].worker.id;
  Manager().SetBlocked(worker, true, 1);
  ASSERT_EQ(second.size(), 1u);  // runs on the CPUs the blocked lease lent
  EXPECT_EQ(workers_.blocked_now, 1);
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 1);
  EXPECT_EQ(gpus_.available(0).ToDouble() + gpus_.available(1).ToDouble(), 1);  // still held
  Manager().SetBlocked(worker, false, 3);
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), -1);  // overcommitted until one returns
  Manager().SetBlocked(worker, true, 2);  // older than the last one: ignored
  EXPECT_EQ(workers_.blocked_now, 0);
  ASSERT_TRUE(Manager().ReturnLease(second[0].lease_id, false).ok());
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 0);
  Manager().SetBlocked(worker, true, 4);
  ASSERT_TRUE(Manager().ReturnLease(first[0].lease_id, false).ok());  // returned while blocked
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 2);
  EXPECT_EQ(view_.Available(local_, scheduler::kGpu).ToDouble(), 2);
}

TEST_F(LeaseManagerTest, DeeperRequestsAreGrantedFirstAndKnowTheNodeIsBusy) {
  std::vector<LeaseReply> holder, shallow, deep, middle;
  Manager().RequestLease(Request({{"CPU", 2}}, &holder));
  ASSERT_EQ(holder.size(), 1u);
  EXPECT_FALSE(holder[0].node_busy);  // nothing waited
  LeaseRequest a = Request({{"CPU", 1}}, &shallow);
  a.depth = 1;
  LeaseRequest b = Request({{"CPU", 1}}, &deep);
  b.depth = 3;
  LeaseRequest c = Request({{"CPU", 1}}, &middle);
  c.depth = 2;
  Manager().RequestLease(std::move(a));
  Manager().RequestLease(std::move(b));
  Manager().RequestLease(std::move(c));
  ASSERT_TRUE(Manager().ReturnLease(holder[0].lease_id, false).ok());
  ASSERT_EQ(deep.size(), 1u);
  ASSERT_EQ(middle.size(), 1u);
  EXPECT_TRUE(shallow.empty());
  EXPECT_TRUE(deep[0].node_busy);  // the shallow one still waits
  ASSERT_TRUE(Manager().ReturnLease(deep[0].lease_id, false).ok());
  ASSERT_EQ(shallow.size(), 1u);
}

TEST_F(LeaseManagerTest, AWorkerThatCannotStartFailsTheLeaseAndFreesItsResources) {
  workers_.fail = true;
  std::vector<LeaseReply> replies;
  Manager().RequestLease(Request({{"CPU", 2}}, &replies));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].kind, LeaseReply::kFailed);
  EXPECT_EQ(replies[0].error, "no worker could be started: exec failed");
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 2);
  EXPECT_EQ(Manager().num_leases(), 0u);
}

TEST_F(LeaseManagerTest, ALeaseFromACommittedBundleLeavesTheNodesAvailableResourcesAlone) {
  const PlacementGroupID group = PlacementGroupID::Of(JobID::FromInt(1));
  ASSERT_TRUE(bundles_.Prepare(group, 0, Cpus(1)).ok());
  ASSERT_TRUE(bundles_.Commit(group, 0).ok());
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 1);  // the bundle's CPU is reserved
  std::vector<LeaseReply> replies;
  Manager().RequestLease(BundleRequest(group, kAnyBundle, {{"CPU", 1}}, &replies));
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].kind, LeaseReply::kGranted);
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 1);
  EXPECT_TRUE(bundles_.PoolAvailable(group, 0).empty());
  // Returning it refills the bundle, not the node.
  ASSERT_TRUE(Manager().ReturnLease(replies[0].lease_id, false).ok());
  EXPECT_EQ(bundles_.PoolAvailable(group, 0), Cpus(1));
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 1);
}

TEST_F(LeaseManagerTest, ASecondBundleLeaseWaitsUntilTheFirstReturns) {
  const PlacementGroupID group = PlacementGroupID::Of(JobID::FromInt(1));
  ASSERT_TRUE(bundles_.Prepare(group, 0, Cpus(1)).ok());
  ASSERT_TRUE(bundles_.Commit(group, 0).ok());
  std::vector<LeaseReply> first, second, plain;
  Manager().RequestLease(BundleRequest(group, 0, {{"CPU", 1}}, &first));
  Manager().RequestLease(BundleRequest(group, 0, {{"CPU", 1}}, &second));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(second.empty());  // the bundle is full; it never spills or takes the node's CPU
  EXPECT_EQ(Manager().num_queued(), 1u);
  EXPECT_TRUE(Manager().Demand().empty());  // no demand for other nodes
  // An ordinary request of the same shape is not held up behind it.
  Manager().RequestLease(Request({{"CPU", 1}}, &plain));
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].kind, LeaseReply::kGranted);
  ASSERT_TRUE(Manager().ReturnLease(first[0].lease_id, false).ok());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].kind, LeaseReply::kGranted);
  EXPECT_EQ(Manager().num_queued(), 0u);
}

TEST_F(LeaseManagerTest, ALeaseForAnUncommittedBundleWaitsForTheCommit) {
  const PlacementGroupID group = PlacementGroupID::Of(JobID::FromInt(1));
  ASSERT_TRUE(bundles_.Prepare(group, 0, Cpus(1)).ok());
  std::vector<LeaseReply> replies;
  Manager().RequestLease(BundleRequest(group, kAnyBundle, {{"CPU", 1}}, &replies));
  EXPECT_TRUE(replies.empty());
  ASSERT_TRUE(bundles_.Commit(group, 0).ok());
  Manager().OnClusterViewChanged();  // what the node scheduler does after a commit
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].kind, LeaseReply::kGranted);
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 1);
}

TEST_F(LeaseManagerTest, ALeaseForAGroupWithNoBundleHereFailsAtOnce) {
  const PlacementGroupID group = PlacementGroupID::Of(JobID::FromInt(1));
  std::vector<LeaseReply> replies;
  Manager().RequestLease(BundleRequest(group, kAnyBundle, {{"CPU", 1}}, &replies));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].kind, LeaseReply::kFailed);
  EXPECT_EQ(replies[0].error_code, absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(replies[0].error, "placement group " + group.Hex() + " has no bundle on node " + local_id_.Hex());
  EXPECT_EQ(Manager().num_queued(), 0u);
  // A waiting request fails too once its group is given back.
  ASSERT_TRUE(bundles_.Prepare(group, 0, Cpus(1)).ok());
  Manager().RequestLease(BundleRequest(group, 0, {{"CPU", 1}}, &replies));
  EXPECT_EQ(replies.size(), 1u);
  ASSERT_TRUE(bundles_.Return(group).ok());
  Manager().OnClusterViewChanged();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1].kind, LeaseReply::kFailed);
  EXPECT_EQ(view_.Available(local_, scheduler::kCpu).ToDouble(), 2);
}

}  // namespace
}  // namespace raylet
}  // namespace photon
