#include "gcs/health_checker.h"

#include <deque>

#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

// A manual clock and a prober whose answers the test gives one by one.
class HealthCheckerTest : public ::testing::Test {
 protected:
  HealthCheckerTest()
      : checker_(
            HealthChecker::Options{100, 100, 3},
            [this](const NodeID& node, std::function<void(bool)> done) {
              pending_.push_back({node, std::move(done)});
            },
            [this](const NodeID& node, const std::string& reason) {
              dead_.push_back(node);
              reason_ = reason;
            },
            [this] { return now_ms_; }) {}

  // Advances time by one period, ticks, and answers every probe with `healthy`.
  int Round(bool healthy) {
    now_ms_ += 100;
    checker_.Tick();
    int answered = 0;
    while (!pending_.empty()) {
      auto probe = std::move(pending_.front());
      pending_.pop_front();
      probe.second(healthy);
      answered++;
    }
    return answered;
  }

  int64_t now_ms_ = 1000;
  std::deque<std::pair<NodeID, std::function<void(bool)>>> pending_;
  std::vector<NodeID> dead_;
  std::string reason_;
  HealthChecker checker_;
};

TEST_F(HealthCheckerTest, NoProbeBeforeOnePeriod) {
  checker_.AddNode(NodeID::FromRandom());
  now_ms_ += 50;
  checker_.Tick();
  EXPECT_TRUE(pending_.empty());
  now_ms_ += 50;
  checker_.Tick();
  EXPECT_EQ(pending_.size(), 1u);
}

TEST_F(HealthCheckerTest, ThresholdFailuresInARowMakeANodeDead) {
  NodeID node = NodeID::FromRandom();
  checker_.AddNode(node);
  EXPECT_EQ(Round(false), 1);
  EXPECT_EQ(Round(false), 1);
  EXPECT_TRUE(dead_.empty());
  EXPECT_EQ(Round(false), 1);
  ASSERT_EQ(dead_.size(), 1u);
  EXPECT_EQ(dead_[0], node);
  EXPECT_EQ(reason_, "health check failed 3 times in a row (period 100 ms, timeout 100 ms)");
  EXPECT_EQ(checker_.num_nodes(), 0u);
  EXPECT_EQ(Round(false), 0);  // a dead node is not probed again
}

TEST_F(HealthCheckerTest, ASuccessResetsTheCount) {
  checker_.AddNode(NodeID::FromRandom());
  Round(false);
  Round(false);
  Round(true);
  Round(false);
  Round(false);
  EXPECT_TRUE(dead_.empty());
  Round(false);
  EXPECT_EQ(dead_.size(), 1u);
}

TEST_F(HealthCheckerTest, OneProbeInFlightPerNode) {
  checker_.AddNode(NodeID::FromRandom());
  now_ms_ += 100;
  checker_.Tick();
  now_ms_ += 500;
  checker_.Tick();
  checker_.Tick();
  EXPECT_EQ(pending_.size(), 1u);
}

TEST_F(HealthCheckerTest, AnswerForARemovedNodeIsIgnored) {
  NodeID node = NodeID::FromRandom();
  checker_.AddNode(node);
  now_ms_ += 100;
  checker_.Tick();
  ASSERT_EQ(pending_.size(), 1u);
  checker_.RemoveNode(node);
  checker_.AddNode(node);  // re-registered: a fresh count
  for (int i = 0; i < 5; i++) {
    pending_.front().second(false);  // the stale probe answers late, repeatedly
  }
  pending_.clear();
  EXPECT_TRUE(dead_.empty());
}

}  // namespace
}  // namespace gcs
}  // namespace photon
