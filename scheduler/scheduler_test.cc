#include <set>

#include "gtest/gtest.h"
#include "scheduler/cluster_resource_view.h"
#include "scheduler/gpu_instances.h"
#include "scheduler/scheduling_policy.h"

namespace photon {
namespace scheduler {
namespace {

ResourceRequest Req(std::map<std::string, double> m) { return ResourceRequest::FromMap(m, ResourceNames::Global()); }

class SchedulerTest : public ::testing::Test {
 protected:
  int AddNode(double cpus, std::map<std::string, double> extra = {}) {
    extra["CPU"] = cpus;
    NodeID id = NodeID::FromRandom();
    ids_.push_back(id);
    return view_.UpdateNode(id, extra, extra);
  }
  ClusterResourceView view_{ResourceNames::Global()};
  SchedulingPolicy policy_{view_};
  std::vector<NodeID> ids_;
};

TEST(FixedPointTest, FractionsAreExact) {
  FixedPoint sum;
  for (int i = 0; i < 3; i++) sum += FixedPoint::FromDouble(0.1);
  EXPECT_EQ(sum, FixedPoint::FromDouble(0.3));
  EXPECT_EQ((FixedPoint::FromDouble(1) - FixedPoint::FromDouble(0.25)).ToDouble(), 0.75);
}

TEST_F(SchedulerTest, HybridPacksLocallyUntilHalfThenSpreads) {
  int local = AddNode(4);
  int other = AddNode(4);
  ResourceRequest one = Req({{"CPU", 1}});
  std::vector<int> placed;
  for (int i = 0; i < 4; i++) {
    SchedulingResult r = policy_.Schedule(one, SchedulingStrategy::Hybrid(), local);
    ASSERT_EQ(r.status, SchedulingResult::kScheduled);
    view_.Allocate(r.node, one);
    placed.push_back(r.node);
  }
  // Two fill the local node to 0.5; then the least utilised node wins.
  EXPECT_EQ(placed, (std::vector<int>{local, local, other, other}));
  SchedulingResult fifth = policy_.Schedule(one, SchedulingStrategy::Hybrid(), local);
  ASSERT_EQ(fifth.status, SchedulingResult::kScheduled);
  EXPECT_EQ(fifth.node, local);  // tie at 0.75: local wins
}

TEST_F(SchedulerTest, FractionalRequestsAddUp) {
  int n = AddNode(1);
  ResourceRequest quarter = Req({{"CPU", 0.25}});
  for (int i = 0; i < 4; i++) {
    SchedulingResult r = policy_.Schedule(quarter, SchedulingStrategy::Hybrid(), n);
    ASSERT_EQ(r.status, SchedulingResult::kScheduled) << i;
    view_.Allocate(r.node, quarter);
  }
  EXPECT_EQ(policy_.Schedule(quarter, SchedulingStrategy::Hybrid(), n).status, SchedulingResult::kUnavailable);
  view_.Free(n, quarter);
  EXPECT_EQ(policy_.Schedule(quarter, SchedulingStrategy::Hybrid(), n).status, SchedulingResult::kScheduled);
}

TEST_F(SchedulerTest, CustomResourceGoesWhereItExists) {
  int a = AddNode(4);
  AddNode(4);
  int c = AddNode(4, {{"special", 1}});
  SchedulingResult r = policy_.Schedule(Req({{"CPU", 1}, {"special", 1}}), SchedulingStrategy::Hybrid(), a);
  ASSERT_EQ(r.status, SchedulingResult::kScheduled);
  EXPECT_EQ(r.node, c);
}

TEST_F(SchedulerTest, InfeasibleIsReportedWithAReason) {
  int a = AddNode(4);
  SchedulingResult r = policy_.Schedule(Req({{"CPU", 64}}), SchedulingStrategy::Hybrid(), a);
  EXPECT_EQ(r.status, SchedulingResult::kInfeasible);
  EXPECT_NE(r.reason.find("no alive node can ever hold {CPU: 64}"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("CPU: 4"), std::string::npos) << r.reason;
  SchedulingResult unknown = policy_.Schedule(Req({{"tpu", 1}}), SchedulingStrategy::Hybrid(), a);
  EXPECT_EQ(unknown.status, SchedulingResult::kInfeasible);
}

TEST_F(SchedulerTest, BusyButFeasibleWaitsLocally) {
  int a = AddNode(1);
  int b = AddNode(1);
  ResourceRequest one = Req({{"CPU", 1}});
  view_.Allocate(a, one);
  view_.Allocate(b, one);
  SchedulingResult r = policy_.Schedule(one, SchedulingStrategy::Hybrid(), a);
  EXPECT_EQ(r.status, SchedulingResult::kUnavailable);
  EXPECT_EQ(r.node, a);
}

TEST_F(SchedulerTest, SpreadUsesEveryNodeAndSkipsDeadOnes) {
  for (int i = 0; i < 3; i++) AddNode(8);
  std::set<int> used;
  for (int i = 0; i < 3; i++) used.insert(policy_.Schedule(Req({{"CPU", 1}}), SchedulingStrategy::Spread(), 0).node);
  EXPECT_EQ(used.size(), 3u);
  view_.MarkDead(ids_[1]);
  for (int i = 0; i < 6; i++) {
    EXPECT_NE(policy_.Schedule(Req({{"CPU", 1}}), SchedulingStrategy::Spread(), 0).node, 1);
  }
}

TEST_F(SchedulerTest, NodeAffinityHardAndSoft) {
  int a = AddNode(2);
  int b = AddNode(2);
  ResourceRequest two = Req({{"CPU", 2}});
  EXPECT_EQ(policy_.Schedule(two, SchedulingStrategy::NodeAffinity(ids_[b], false), a).node, b);
  view_.Allocate(b, two);
  SchedulingResult hard = policy_.Schedule(two, SchedulingStrategy::NodeAffinity(ids_[b], false), a);
  EXPECT_EQ(hard.status, SchedulingResult::kUnavailable);
  EXPECT_EQ(hard.node, b);
  SchedulingResult soft = policy_.Schedule(two, SchedulingStrategy::NodeAffinity(ids_[b], true), a);
  EXPECT_EQ(soft.status, SchedulingResult::kScheduled);
  EXPECT_EQ(soft.node, a);
  view_.MarkDead(ids_[b]);
  SchedulingResult dead = policy_.Schedule(two, SchedulingStrategy::NodeAffinity(ids_[b], false), a);
  EXPECT_EQ(dead.status, SchedulingResult::kInfeasible);
  EXPECT_NE(dead.reason.find("unknown or dead"), std::string::npos);
  SchedulingResult never = policy_.Schedule(Req({{"CPU", 3}}), SchedulingStrategy::NodeAffinity(ids_[a], false), a);
  EXPECT_EQ(never.status, SchedulingResult::kInfeasible);
}

TEST(GpuInstancesTest, WholeAndFractionalGpus) {
  GpuInstances gpus(3);
  auto half = gpus.Allocate(FixedPoint::FromDouble(0.5));
  ASSERT_TRUE(half.has_value());
  EXPECT_EQ(*half, std::vector<int>{0});
  auto quarter = gpus.Allocate(FixedPoint::FromDouble(0.25));
  EXPECT_EQ(*quarter, std::vector<int>{0});  // packs onto the busy GPU
  auto two = gpus.Allocate(FixedPoint::FromDouble(2));
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(*two, (std::vector<int>{1, 2}));
  EXPECT_EQ(GpuInstances::VisibleDevices(*two), "1,2");
  EXPECT_FALSE(gpus.Allocate(FixedPoint::FromDouble(1)).has_value());
  EXPECT_FALSE(gpus.Allocate(FixedPoint::FromDouble(1.5)).has_value());
  gpus.Free(*two, FixedPoint::FromDouble(2));
  gpus.Free(*half, FixedPoint::FromDouble(0.5));
  gpus.Free(*quarter, FixedPoint::FromDouble(0.25));
  EXPECT_EQ(gpus.available(0), FixedPoint::FromDouble(1));
  EXPECT_TRUE(gpus.Allocate(FixedPoint::FromDouble(3)).has_value());
}

}  // namespace
}  // namespace scheduler
}  // namespace photon
