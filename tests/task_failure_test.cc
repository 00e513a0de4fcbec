// Tasks and objects when nodes die: retries elsewhere, NodeDiedError when no
// retry is left, and a lost result rebuilt from its lineage.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <numeric>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/api/photon.h"
#include "tests/cluster_fixture.h"
#include "tests/photon_driver.h"

namespace {

std::string NodeAfterMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return photon::GetNodeId();
}

std::vector<int32_t> Range(int n) {
  std::vector<int32_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

PHOTON_REMOTE(NodeAfterMs, Range);

class TaskFailureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = photon::testing::StartClusterWithDriver(4, /*cpus_per_node=*/2).release();
  }
  static void TearDownTestSuite() {
    photon::Shutdown();
    delete cluster_;
  }
  static std::string Node(int index) { return cluster_->node_ids()[index].Hex(); }
  static photon::SchedulingStrategy Prefer(int index) {
    return photon::SchedulingStrategy::NodeAffinity(Node(index), /*soft=*/true);
  }
  static void KillNode(int index) {
    cluster_->KillNode(index, SIGKILL);
    ASSERT_TRUE(cluster_->WaitForNodeState(cluster_->node_ids()[index], photon::rpc::GcsNodeInfo::DEAD,
                                           std::chrono::seconds(20))
                    .ok());
  }

  static photon::testing::Cluster* cluster_;
};

photon::testing::Cluster* TaskFailureTest::cluster_ = nullptr;

TEST_F(TaskFailureTest, TasksOnADeadNodeAreRetriedElsewhere) {
  std::vector<photon::ObjectRef<std::string>> refs;
  for (int i = 0; i < 2; i++) refs.push_back(photon::Task(NodeAfterMs).SetSchedulingStrategy(Prefer(1)).Remote(3000));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // they run on node 1 now
  KillNode(1);
  for (const std::string& node : photon::Get(refs, 60000)) {
    EXPECT_NE(node, Node(1));
    EXPECT_FALSE(node.empty());
  }
}

TEST_F(TaskFailureTest, NoRetryLeftGivesNodeDiedError) {
  photon::ObjectRef<std::string> ref =
      photon::Task(NodeAfterMs).SetSchedulingStrategy(Prefer(2)).SetMaxRetries(0).Remote(5000);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  KillNode(2);
  try {
    photon::Get(ref, 60000);
    FAIL() << "no exception";
  } catch (const photon::NodeDiedError& e) {
    EXPECT_NE(std::string(e.what()).find("node running the task died"), std::string::npos) << e.what();
  }
}

TEST_F(TaskFailureTest, LostResultIsRebuiltFromLineage) {
  photon::ObjectRef<std::vector<int32_t>> range =
      photon::Task(Range).SetSchedulingStrategy(Prefer(3)).Remote(1 << 20);  // 4 MiB: in node 3's store only
  ASSERT_EQ(photon::Wait(std::vector<photon::ObjectRef<std::vector<int32_t>>>{range}, 1, 30000).ready.size(), 1u);
  KillNode(3);
  std::vector<int32_t> back = photon::Get(range, 60000);
  ASSERT_EQ(back.size(), 1u << 20);
  EXPECT_EQ(back[777], 777);
}

}  // namespace
