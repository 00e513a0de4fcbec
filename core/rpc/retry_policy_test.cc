#include "core/rpc/retry_policy.h"

#include "gtest/gtest.h"

namespace photon {
namespace rpc {
namespace {

using std::chrono::milliseconds;

milliseconds TotalBackoff(const RetryPolicy& policy) {
  milliseconds total(0);
  for (int i = 1; i < policy.max_attempts; i++) total += BackoffFor(policy, i);
  return total;
}

TEST(RetryPolicyTest, BackoffDoublesUpToTheCap) {
  RetryPolicy p;  // 100 ms, doubling, at most 2 s
  EXPECT_EQ(BackoffFor(p, 1), milliseconds(100));
  EXPECT_EQ(BackoffFor(p, 2), milliseconds(200));
  EXPECT_EQ(BackoffFor(p, 5), milliseconds(1600));
  EXPECT_EQ(BackoffFor(p, 6), milliseconds(2000));
  EXPECT_EQ(BackoffFor(p, 40), milliseconds(2000));
}

TEST(RetryPolicyTest, RetryThroughWaitsAtLeastTheOutage) {
  for (milliseconds outage : {milliseconds(0), milliseconds(1), milliseconds(1500), milliseconds(60000)}) {
    RetryPolicy p = RetryThrough(RetryPolicy{}, outage);
    EXPECT_GE(TotalBackoff(p), outage) << outage.count();
    // One attempt fewer would not cover it (except for no outage at all).
    RetryPolicy shorter = p;
    shorter.max_attempts--;
    if (outage.count() > 0) EXPECT_LT(TotalBackoff(shorter), outage) << outage.count();
  }
  EXPECT_EQ(RetryThrough(RetryPolicy{}, milliseconds(0)).max_attempts, 1);
  EXPECT_EQ(RetryThrough(RetryPolicy{}, milliseconds(60000)).max_attempts, 1 + 5 + 29);
}

}  // namespace
}  // namespace rpc
}  // namespace photon
