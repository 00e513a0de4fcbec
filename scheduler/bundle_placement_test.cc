#include "scheduler/bundle_placement.h"

#include <set>

#include "gtest/gtest.h"

namespace photon {
namespace scheduler {
namespace {

ResourceRequest Req(std::map<std::string, double> m) { return ResourceRequest::FromMap(m, ResourceNames::Global()); }

std::vector<ResourceRequest> Copies(int n, const ResourceRequest& bundle) {
  return std::vector<ResourceRequest>(n, bundle);
}

class BundlePlacementTest : public ::testing::Test {
 protected:
  // A node with `cpus` CPUs (plus `extra`), of which `busy` CPUs are in use.
  int AddNode(double cpus, std::map<std::string, double> extra = {}, double busy = 0) {
    std::map<std::string, double> total = extra;
    total["CPU"] = cpus;
    std::map<std::string, double> available = total;
    available["CPU"] = cpus - busy;
    ids_.push_back(NodeID::FromRandom());
    return view_.UpdateNode(ids_.back(), total, available);
  }
  BundlePlacement Place(const std::vector<ResourceRequest>& bundles, PlacementStrategy strategy) {
    return PlaceBundles(view_, bundles, strategy);
  }

  ClusterResourceView view_{ResourceNames::Global()};
  std::vector<NodeID> ids_;
};

TEST_F(BundlePlacementTest, PackPutsTheWholeGroupOnTheNodeWithTheMostRoom) {
  AddNode(4);
  int big = AddNode(8);
  BundlePlacement p = Place(Copies(3, Req({{"CPU", 2}})), PlacementStrategy::kPack);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{big, big, big}));
}

TEST_F(BundlePlacementTest, PackFillsANodeBeforeOpeningTheNext) {
  int a = AddNode(4);
  int b = AddNode(4);
  // 8 CPUs fit on no single node: first fit, counting the group's own bundles.
  BundlePlacement p = Place(Copies(4, Req({{"CPU", 2}})), PlacementStrategy::kPack);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{a, a, b, b}));
  // Nine CPUs exceed the cluster but no single bundle does: wait for nodes.
  std::vector<ResourceRequest> too_many = Copies(4, Req({{"CPU", 2}}));
  too_many.push_back(Req({{"CPU", 1}}));
  BundlePlacement wait = Place(too_many, PlacementStrategy::kPack);
  EXPECT_EQ(wait.status, BundlePlacement::kUnavailable);
  EXPECT_NE(wait.reason.find("PACK group: bundle 4 {CPU: 1}"), std::string::npos) << wait.reason;
}

TEST_F(BundlePlacementTest, SpreadUsesDistinctNodesFirstThenDoublesUp) {
  int a = AddNode(4);
  int b = AddNode(4);
  BundlePlacement p = Place(Copies(3, Req({{"CPU", 1}})), PlacementStrategy::kSpread);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{a, b, a}));  // the third ties at 2/4: lowest index
}

TEST_F(BundlePlacementTest, SpreadPrefersTheNodeWithTheMostRoom) {
  AddNode(4, {}, /*busy=*/3);
  int idle = AddNode(4);
  BundlePlacement p = Place(Copies(1, Req({{"CPU", 1}})), PlacementStrategy::kSpread);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{idle}));
}

TEST_F(BundlePlacementTest, StrictPackIsOneNodeOrNothing) {
  int a = AddNode(4);
  AddNode(4);
  BundlePlacement p = Place(Copies(2, Req({{"CPU", 2}})), PlacementStrategy::kStrictPack);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{a, a}));

  BundlePlacement never = Place(Copies(3, Req({{"CPU", 2}})), PlacementStrategy::kStrictPack);
  EXPECT_EQ(never.status, BundlePlacement::kInfeasible);
  EXPECT_NE(never.reason.find("STRICT_PACK group: all 3 bundles together need {CPU: 6} on one node"), std::string::npos)
      << never.reason;
}

TEST_F(BundlePlacementTest, StrictPackWaitsWherePackSplits) {
  int a = AddNode(8, {}, /*busy=*/6);
  int b = AddNode(8, {}, /*busy=*/6);
  std::vector<ResourceRequest> bundles = Copies(2, Req({{"CPU", 2}}));
  BundlePlacement strict = Place(bundles, PlacementStrategy::kStrictPack);
  EXPECT_EQ(strict.status, BundlePlacement::kUnavailable);
  EXPECT_NE(strict.reason.find("no alive node has {CPU: 4} available now"), std::string::npos) << strict.reason;
  BundlePlacement pack = Place(bundles, PlacementStrategy::kPack);
  ASSERT_EQ(pack.status, BundlePlacement::kPlaced) << pack.reason;
  EXPECT_EQ(pack.nodes, (std::vector<int>{a, b}));
}

TEST_F(BundlePlacementTest, StrictSpreadNeedsOneNodePerBundle) {
  AddNode(4);
  AddNode(4);
  AddNode(4);
  BundlePlacement p = Place(Copies(3, Req({{"CPU", 4}})), PlacementStrategy::kStrictSpread);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(std::set<int>(p.nodes.begin(), p.nodes.end()).size(), 3u);

  // More bundles than nodes: pending until nodes join (an autoscaler may add them).
  BundlePlacement wait = Place(Copies(4, Req({{"CPU", 1}})), PlacementStrategy::kStrictSpread);
  EXPECT_EQ(wait.status, BundlePlacement::kUnavailable);
  EXPECT_NE(wait.reason.find("STRICT_SPREAD group: needs 4 distinct nodes, 3 alive"), std::string::npos) << wait.reason;
}

TEST_F(BundlePlacementTest, StrictSpreadFindsAnAssignmentGreedyWouldMiss) {
  int gpu_node = AddNode(8, {{"GPU", 1}});
  int small = AddNode(4);
  // The CPU bundle prefers the roomier GPU node; the GPU bundle can only go there.
  BundlePlacement p = Place({Req({{"CPU", 1}}), Req({{"GPU", 1}})}, PlacementStrategy::kStrictSpread);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{small, gpu_node}));
}

TEST_F(BundlePlacementTest, BusyIsPendingTooBigIsInfeasible) {
  AddNode(4, {}, /*busy=*/4);
  BundlePlacement busy = Place({Req({{"CPU", 1}}), Req({{"CPU", 2}})}, PlacementStrategy::kSpread);
  EXPECT_EQ(busy.status, BundlePlacement::kUnavailable);
  EXPECT_NE(busy.reason.find("bundle 0 {CPU: 1} fits on no alive node now"), std::string::npos) << busy.reason;

  BundlePlacement big = Place({Req({{"CPU", 1}}), Req({{"CPU", 16}})}, PlacementStrategy::kSpread);
  EXPECT_EQ(big.status, BundlePlacement::kInfeasible);
  EXPECT_NE(big.reason.find("SPREAD group: bundle 1 {CPU: 16}: no alive node can ever hold it"), std::string::npos)
      << big.reason;
  EXPECT_TRUE(big.nodes.empty());
}

TEST_F(BundlePlacementTest, DeadNodesAreSkipped) {
  int a = AddNode(4);
  AddNode(16);
  int c = AddNode(4);
  view_.MarkDead(ids_[1]);
  BundlePlacement p = Place(Copies(2, Req({{"CPU", 1}})), PlacementStrategy::kStrictSpread);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(std::set<int>(p.nodes.begin(), p.nodes.end()), (std::set<int>{a, c}));
  EXPECT_EQ(Place(Copies(3, Req({{"CPU", 1}})), PlacementStrategy::kStrictSpread).status,
            BundlePlacement::kUnavailable);
  // Only the dead node could hold it.
  EXPECT_EQ(Place({Req({{"CPU", 8}})}, PlacementStrategy::kPack).status, BundlePlacement::kInfeasible);

  view_.MarkDead(ids_[0]);
  view_.MarkDead(ids_[2]);
  BundlePlacement none = Place({Req({{"CPU", 1}})}, PlacementStrategy::kPack);
  EXPECT_EQ(none.status, BundlePlacement::kInfeasible);
  EXPECT_NE(none.reason.find("(no node is alive)"), std::string::npos) << none.reason;
}

TEST_F(BundlePlacementTest, FractionalBundlesAddUpExactly) {
  int n = AddNode(0.3);
  BundlePlacement p = Place(Copies(3, Req({{"CPU", 0.1}})), PlacementStrategy::kStrictPack);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{n, n, n}));
  EXPECT_EQ(Place(Copies(4, Req({{"CPU", 0.1}})), PlacementStrategy::kStrictPack).status, BundlePlacement::kInfeasible);
  // PACK over one node: the fourth tenth does not fit once three are placed.
  EXPECT_EQ(Place(Copies(4, Req({{"CPU", 0.1}})), PlacementStrategy::kPack).status, BundlePlacement::kUnavailable);
}

TEST_F(BundlePlacementTest, CustomResourcesGoWhereTheyExist) {
  AddNode(4);
  AddNode(4);
  int special = AddNode(4, {{"pg_test_accel", 2}});
  ResourceRequest accel = Req({{"CPU", 1}, {"pg_test_accel", 1}});
  BundlePlacement p = Place(Copies(2, accel), PlacementStrategy::kSpread);
  ASSERT_EQ(p.status, BundlePlacement::kPlaced) << p.reason;
  EXPECT_EQ(p.nodes, (std::vector<int>{special, special}));  // SPREAD is best effort

  BundlePlacement strict = Place(Copies(2, accel), PlacementStrategy::kStrictSpread);
  EXPECT_EQ(strict.status, BundlePlacement::kUnavailable);  // until another such node joins
  EXPECT_NE(strict.reason.find("fits on 1 nodes"), std::string::npos) << strict.reason;

  EXPECT_EQ(Place(Copies(3, accel), PlacementStrategy::kStrictPack).status, BundlePlacement::kInfeasible);
}

TEST_F(BundlePlacementTest, TheViewIsNotChanged) {
  int n = AddNode(4);
  ASSERT_EQ(Place(Copies(4, Req({{"CPU", 1}})), PlacementStrategy::kPack).status, BundlePlacement::kPlaced);
  EXPECT_EQ(view_.Available(n, kCpu), FixedPoint::FromDouble(4));
}

TEST_F(BundlePlacementTest, AnEmptyGroupIsInfeasible) {
  AddNode(4);
  EXPECT_EQ(Place({}, PlacementStrategy::kPack).status, BundlePlacement::kInfeasible);
}

TEST(PlacementStrategyTest, NamesMatchRay) {
  EXPECT_STREQ(PlacementStrategyName(PlacementStrategy::kPack), "PACK");
  EXPECT_STREQ(PlacementStrategyName(PlacementStrategy::kSpread), "SPREAD");
  EXPECT_STREQ(PlacementStrategyName(PlacementStrategy::kStrictPack), "STRICT_PACK");
  EXPECT_STREQ(PlacementStrategyName(PlacementStrategy::kStrictSpread), "STRICT_SPREAD");
}

}  // namespace
}  // namespace scheduler
}  // namespace photon
