// Placement groups end to end on a real cluster: each strategy places its
// bundles as defined, tasks run in their bundle, a STRICT_SPREAD group that
// needs a fourth node waits for it, removing a group frees its resources,
// and a node killed under a bundle has that bundle placed again. Tasks and
// actors scheduled into a bundle run on its node; removing the group ends
// them, and fails what waits to run in it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <set>
#include <thread>

#include "core/api/photon.h"
#include "tests/cluster_fixture.h"
#include "tests/photon_driver.h"

namespace {

std::string NodeOf() { return photon::GetNodeId(); }

int SleepMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

class Where {
 public:
  static Where* Create() { return new Where(); }
  std::string Node() { return photon::GetNodeId(); }
};

PHOTON_REMOTE(NodeOf, SleepMs, Where::Create, &Where::Node);

constexpr int64_t kWaitMs = 30000;

class PlacementGroupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = photon::testing::StartClusterWithDriver(3, /*cpus_per_node=*/2).release();
  }
  static void TearDownTestSuite() {
    photon::Shutdown();
    delete cluster_;
  }

  // CPUs available on `node` as its raylet last reported, once that equals
  // `want` (or the last value seen after 20 s).
  static double WaitForAvailableCpus(const photon::NodeID& node, double want) {
    double seen = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto usages = cluster_->client().GetAllResourceUsage();
      if (usages.ok()) {
        for (const auto& u : *usages) {
          if (u.node_id() != node.Binary()) continue;
          auto it = u.available().amounts().find("CPU");
          seen = it == u.available().amounts().end() ? 0 : it->second;
        }
      }
      if (seen == want) return seen;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return seen;
  }

  static photon::testing::Cluster* cluster_;
};

photon::testing::Cluster* PlacementGroupTest::cluster_ = nullptr;

std::set<std::string> Distinct(const std::vector<std::string>& nodes) { return {nodes.begin(), nodes.end()}; }

TEST_F(PlacementGroupTest, EachStrategyPlacesBundlesAsDefined) {
  auto strict_pack = photon::CreatePlacementGroup({{{"CPU", 1}}, {{"CPU", 1}}}, photon::PlacementStrategy::kStrictPack);
  ASSERT_TRUE(strict_pack.Wait(kWaitMs));
  EXPECT_EQ(Distinct(strict_pack.BundleNodes()).size(), 1u);
  photon::RemovePlacementGroup(strict_pack);

  auto strict_spread = photon::CreatePlacementGroup({{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}},
                                                    photon::PlacementStrategy::kStrictSpread);
  ASSERT_TRUE(strict_spread.Wait(kWaitMs));
  EXPECT_EQ(Distinct(strict_spread.BundleNodes()).size(), 3u);
  photon::RemovePlacementGroup(strict_spread);

  auto pack = photon::CreatePlacementGroup({{{"CPU", 1}}, {{"CPU", 1}}}, photon::PlacementStrategy::kPack);
  ASSERT_TRUE(pack.Wait(kWaitMs));
  EXPECT_EQ(Distinct(pack.BundleNodes()).size(), 1u);  // one node has room for both
  photon::RemovePlacementGroup(pack);

  auto spread = photon::CreatePlacementGroup({{{"CPU", 0.5}}, {{"CPU", 0.5}}, {{"CPU", 0.5}}},
                                             photon::PlacementStrategy::kSpread);
  ASSERT_TRUE(spread.Wait(kWaitMs));
  EXPECT_EQ(Distinct(spread.BundleNodes()).size(), 3u);
  photon::RemovePlacementGroup(spread);

  EXPECT_THROW(photon::CreatePlacementGroup({}, photon::PlacementStrategy::kPack), photon::Error);
  auto empty_bundle = photon::CreatePlacementGroup({{{"CPU", 0}}});
  try {
    empty_bundle.Wait(kWaitMs);
    FAIL() << "a bundle asking for nothing was accepted";
  } catch (const photon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bundle 0 asks for no resources"), std::string::npos) << e.what();
  }
}

TEST_F(PlacementGroupTest, TasksRunInTheirBundles) {
  auto group = photon::CreatePlacementGroup({{{"CPU", 1}}, {{"CPU", 1}}}, photon::PlacementStrategy::kStrictSpread,
                                            "for-tasks");
  ASSERT_TRUE(group.Wait(kWaitMs));
  EXPECT_EQ(photon::GetPlacementGroup("for-tasks").ID(), group.ID());
  auto same_name = photon::CreatePlacementGroup({{{"CPU", 1}}}, photon::PlacementStrategy::kPack, "for-tasks");
  try {
    same_name.Wait(kWaitMs);
    FAIL() << "a second group took a name in use";
  } catch (const photon::Error& e) {
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  const std::vector<std::string> nodes = group.BundleNodes();
  for (int bundle = 0; bundle < 2; bundle++) {
    auto where = photon::Task(NodeOf)
                     .SetSchedulingStrategy(photon::SchedulingStrategy::PlacementGroup(group, bundle))
                     .Remote();
    EXPECT_EQ(photon::Get(where, kWaitMs), nodes[bundle]);
  }
  // Actors too.
  auto actor = photon::Actor(Where::Create)
                   .SetResource("CPU", 1)
                   .SetSchedulingStrategy(photon::SchedulingStrategy::PlacementGroup(group, 1))
                   .Remote();
  EXPECT_EQ(photon::Get(actor.Task(&Where::Node).Remote(), kWaitMs), nodes[1]);
  actor.Kill();
  photon::RemovePlacementGroup(group);
}

TEST_F(PlacementGroupTest, RemovingAGroupFreesItsResources) {
  auto group = photon::CreatePlacementGroup({{{"CPU", 2}}}, photon::PlacementStrategy::kStrictPack);
  ASSERT_TRUE(group.Wait(kWaitMs));
  const photon::NodeID node = *photon::NodeID::FromHex(group.BundleNodes()[0]);
  EXPECT_EQ(WaitForAvailableCpus(node, 0), 0);
  photon::RemovePlacementGroup(group);
  EXPECT_EQ(WaitForAvailableCpus(node, 2), 2);
  // The GCS still lists it, removed, with its bundles and times.
  auto all = cluster_->client().GetAllPlacementGroups();
  ASSERT_TRUE(all.ok()) << all.status();
  auto listed = std::find_if(all->begin(), all->end(), [&](const photon::rpc::PlacementGroupTableData& g) {
    return g.placement_group_id() == group.ID().Binary();
  });
  ASSERT_NE(listed, all->end());
  EXPECT_EQ(listed->state(), photon::rpc::PG_REMOVED);
  EXPECT_EQ(listed->bundles_size(), 1);
  EXPECT_GT(listed->create_time_ms(), 0);
  EXPECT_GE(listed->remove_time_ms(), listed->create_time_ms());
}

TEST_F(PlacementGroupTest, RemovingAGroupEndsItsTasksAndActorsAndFailsWhatWaits) {
  auto group = photon::CreatePlacementGroup({{{"CPU", 2}}}, photon::PlacementStrategy::kStrictPack);
  ASSERT_TRUE(group.Wait(kWaitMs));
  const photon::NodeID node = *photon::NodeID::FromHex(group.BundleNodes()[0]);
  const auto in_group = photon::SchedulingStrategy::PlacementGroup(group, 0);
  auto actor = photon::Actor(Where::Create).SetResource("CPU", 1).SetSchedulingStrategy(in_group).Remote();
  ASSERT_EQ(photon::Get(actor.Task(&Where::Node).Remote(), kWaitMs), node.Hex());
  // The bundle has room for one of the two: the other waits at its raylet
  // (either may go first).
  auto running = photon::Task(SleepMs).SetSchedulingStrategy(in_group).Remote(120000);
  auto queued = photon::Task(SleepMs).SetSchedulingStrategy(in_group).Remote(120000);
  // A group no node can hold: .Remote() returns, and the task waits for it.
  auto unplaceable = photon::CreatePlacementGroup({{{"no-such-resource", 1}}});
  auto waiting = photon::Task(SleepMs).SetSchedulingStrategy(photon::SchedulingStrategy::PlacementGroup(unplaceable, 0))
                     .Remote(0);
  EXPECT_THROW(photon::Get(waiting, 500), photon::GetTimeoutError);

  photon::RemovePlacementGroup(group);
  photon::RemovePlacementGroup(unplaceable);
  EXPECT_THROW(photon::Get(running, kWaitMs), photon::PlacementGroupRemovedError);
  EXPECT_THROW(photon::Get(queued, kWaitMs), photon::PlacementGroupRemovedError);
  EXPECT_THROW(photon::Get(waiting, kWaitMs), photon::PlacementGroupRemovedError);
  try {
    photon::Get(actor.Task(&Where::Node).Remote(), kWaitMs);
    FAIL() << "the group's actor still answers";
  } catch (const photon::ActorPlacementGroupRemovedError& e) {
    EXPECT_NE(std::string(e.what()).find("placement group"), std::string::npos) << e.what();
  }
  EXPECT_EQ(WaitForAvailableCpus(node, 2), 2);
}

TEST_F(PlacementGroupTest, StrictSpreadWaitsForAFourthNodeAndMovesOffADeadOne) {
  auto group = photon::CreatePlacementGroup({{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}},
                                            photon::PlacementStrategy::kStrictSpread);
  EXPECT_FALSE(group.Wait(1500));  // three nodes cannot hold four strictly spread bundles
  ASSERT_TRUE(cluster_->AddNode(2).ok());
  ASSERT_TRUE(group.Wait(kWaitMs));
  std::vector<std::string> before = group.BundleNodes();
  EXPECT_EQ(Distinct(before).size(), 4u);

  // A fifth node joins; the fourth dies: its bundle moves to the fifth.
  ASSERT_TRUE(cluster_->AddNode(2).ok());
  const std::string dead = cluster_->node_ids()[3].Hex();
  cluster_->KillNode(3, SIGKILL);
  std::vector<std::string> after;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    after = group.BundleNodes();
    bool moved = Distinct(after).size() == 4 && Distinct(after).count(dead) == 0 &&
                 std::count(after.begin(), after.end(), "") == 0;
    if (moved && group.Wait(0)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Distinct(after).size(), 4u);
  EXPECT_EQ(Distinct(after).count(dead), 0u);
  EXPECT_EQ(Distinct(after).count(cluster_->node_ids()[4].Hex()), 1u);
  // The bundles on nodes that lived stayed where they were.
  for (size_t i = 0; i < before.size(); i++) {
    if (before[i] != dead) EXPECT_EQ(after[i], before[i]);
  }
  photon::RemovePlacementGroup(group);
}

}  // namespace
