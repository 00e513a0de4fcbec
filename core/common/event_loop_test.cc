#include "core/common/event_loop.h"

#include <atomic>
#include <future>

#include "gtest/gtest.h"

namespace photon {
namespace {

TEST(EventLoopTest, PostedHandlersRunInOrderOnTheLoopThread) {
  EventLoop loop;
  loop.StartThread("test-loop");
  std::vector<int> seen;
  std::promise<void> done;
  for (int i = 0; i < 100; i++) {
    loop.Post("Test.Append", [&, i] {
      EXPECT_TRUE(loop.InLoopThread());
      seen.push_back(i);
      if (i == 99) done.set_value();
    });
  }
  done.get_future().wait();
  std::promise<std::string> stats;
  loop.Post("Test.Stats", [&] { stats.set_value(loop.StatsString()); });
  std::string text = stats.get_future().get();
  loop.Stop();
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; i++) EXPECT_EQ(seen[i], i);
  EXPECT_NE(text.find("Test.Append: count=100"), std::string::npos) << text;
}

TEST(EventLoopTest, TimersFireAndPeriodicRepeats) {
  EventLoop loop;
  loop.StartThread("test-loop");
  std::promise<void> once;
  std::atomic<int> ticks{0};
  std::promise<void> three;
  loop.RunAfter("Test.Once", std::chrono::milliseconds(5), [&] { once.set_value(); });
  loop.RunEvery("Test.Tick", std::chrono::milliseconds(2), [&] {
    if (++ticks == 3) three.set_value();
  });
  once.get_future().wait();
  three.get_future().wait();
  loop.Stop();
  EXPECT_GE(ticks.load(), 3);
}

}  // namespace
}  // namespace photon
