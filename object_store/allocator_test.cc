#include "object_store/allocator.h"

#include <random>
#include <set>

#include "gtest/gtest.h"

namespace photon {
namespace object_store {
namespace {

TEST(AllocatorTest, AlignsAndFillsExactly) {
  Allocator alloc(1024);
  auto a = alloc.Allocate(1);
  auto b = alloc.Allocate(0);
  auto c = alloc.Allocate(65);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a % 64, 0);
  EXPECT_EQ(*b % 64, 0);
  EXPECT_EQ(*c % 64, 0);
  EXPECT_EQ(alloc.used(), 64 + 64 + 128);
  EXPECT_TRUE(alloc.Allocate(1024 - 256).has_value());
  EXPECT_FALSE(alloc.Allocate(1).has_value());
}

TEST(AllocatorTest, FreeCoalescesNeighbours) {
  Allocator alloc(64 * 4);
  auto a = *alloc.Allocate(64);
  auto b = *alloc.Allocate(64);
  auto c = *alloc.Allocate(64);
  auto d = *alloc.Allocate(64);
  alloc.Free(a);
  alloc.Free(c);
  EXPECT_EQ(alloc.largest_free_block(), 64);
  EXPECT_FALSE(alloc.Allocate(128).has_value());
  alloc.Free(b);  // joins a and c
  EXPECT_EQ(alloc.largest_free_block(), 192);
  alloc.Free(d);
  EXPECT_EQ(alloc.largest_free_block(), 256);
  EXPECT_EQ(alloc.used(), 0);
  EXPECT_TRUE(alloc.Allocate(256).has_value());
}

TEST(AllocatorTest, RandomWorkloadNeverOverlaps) {
  const int64_t capacity = 1 << 20;
  Allocator alloc(capacity);
  std::mt19937 rng(7);
  std::map<int64_t, int64_t> live;  // offset -> rounded size
  for (int i = 0; i < 20000; i++) {
    if (!live.empty() && rng() % 2 == 0) {
      auto it = live.begin();
      std::advance(it, rng() % live.size());
      alloc.Free(it->first);
      live.erase(it);
      continue;
    }
    int64_t size = rng() % 5000;
    auto offset = alloc.Allocate(size);
    if (!offset) continue;
    ASSERT_LE(*offset + Allocator::Rounded(size), capacity);
    auto next = live.lower_bound(*offset);
    if (next != live.end()) {
      ASSERT_LE(*offset + Allocator::Rounded(size), next->first);
    }
    if (next != live.begin()) {
      auto prev = std::prev(next);
      ASSERT_LE(prev->first + prev->second, *offset);
    }
    live[*offset] = Allocator::Rounded(size);
  }
  int64_t total = 0;
  for (auto& [o, s] : live) total += s;
  EXPECT_EQ(alloc.used(), total);
}

}  // namespace
}  // namespace object_store
}  // namespace photon
