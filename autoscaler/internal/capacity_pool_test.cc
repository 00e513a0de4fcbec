#include "autoscaler/internal/capacity_pool.h"

#include "gtest/gtest.h"

namespace photon {
namespace autoscaler_internal {
namespace {

using scheduler::FixedPoint;
using scheduler::kCpu;
using scheduler::kGpu;

ResourceRequest Cpu(double cpus) {
  ResourceRequest shape;
  shape.Set(kCpu, FixedPoint::FromDouble(cpus));
  return shape;
}

int64_t Units(double v) { return FixedPoint::FromDouble(v).units(); }

TEST(CapacityPoolTest, PlacesManyPerNodeFirstFit) {
  CapacityPool pool(2);
  const int64_t small[] = {Units(2), 0};
  const int64_t big[] = {Units(8), Units(1)};
  pool.Add(0, 0, 1, small);
  pool.Add(1, 1, 1, big);
  EXPECT_EQ(pool.Place(Cpu(1), 5), 5);
  EXPECT_EQ(pool.free(0)[kCpu], 0);
  EXPECT_EQ(pool.free(1)[kCpu], Units(5));
  EXPECT_TRUE(pool.group(0).used);
  // More than fits: what fits is placed, the rest reported.
  EXPECT_EQ(pool.Place(Cpu(2), 4), 2);
  EXPECT_EQ(pool.free(1)[kCpu], Units(1));
  // The bound now knows nothing holds 2 CPUs.
  EXPECT_FALSE(pool.MayFit(Cpu(2)));
  EXPECT_TRUE(pool.MayFit(Cpu(1)));
}

TEST(CapacityPoolTest, GroupsOfIdenticalNodesSplitWhenPartlyUsed) {
  CapacityPool pool(2);
  const int64_t node[] = {Units(4), 0};
  pool.Add(0, -1, 10, node);
  // 9 x 2 CPUs: 4 full nodes and one half used, 5 untouched.
  EXPECT_EQ(pool.Place(Cpu(2), 9), 9);
  ASSERT_EQ(pool.size(), 3);
  EXPECT_EQ(pool.group(0).count, 5);
  EXPECT_EQ(pool.free(0)[kCpu], Units(4));
  EXPECT_EQ(pool.group(1).count, 4);
  EXPECT_EQ(pool.free(1)[kCpu], 0);
  EXPECT_EQ(pool.group(2).count, 1);
  EXPECT_EQ(pool.free(2)[kCpu], Units(2));
  EXPECT_EQ(pool.Place(Cpu(4), 100), 5);
}

TEST(CapacityPoolTest, RollbackUndoesEverySinceBegin) {
  CapacityPool pool(2);
  const int64_t node[] = {Units(4), Units(1)};
  pool.Add(0, -1, 3, node);
  pool.Place(Cpu(1), 1);
  pool.Begin();
  ResourceRequest gpu;
  gpu.Set(kGpu, FixedPoint::FromDouble(1));
  pool.Allocate(pool.Split(0, 1), gpu, 1);
  pool.Add(1, -1, 1, node);
  EXPECT_EQ(pool.Place(Cpu(4), 10), 3);
  pool.Rollback();
  ASSERT_EQ(pool.size(), 2);
  EXPECT_EQ(pool.group(0).count, 2);
  EXPECT_EQ(pool.free(0)[kCpu], Units(4));
  EXPECT_EQ(pool.free(0)[kGpu], Units(1));
  EXPECT_FALSE(pool.group(0).used);
  EXPECT_EQ(pool.group(1).count, 1);
  EXPECT_EQ(pool.free(1)[kCpu], Units(3));
  EXPECT_TRUE(pool.MayFit(Cpu(4)));
}

}  // namespace
}  // namespace autoscaler_internal
}  // namespace photon
