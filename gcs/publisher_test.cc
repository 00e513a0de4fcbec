#include "gcs/publisher.h"

#include <deque>

#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

rpc::PubMessage NodeMessage(const std::string& id) {
  rpc::PubMessage m;
  m.set_channel(rpc::NODE);
  m.mutable_node()->set_node_id(id);
  return m;
}

rpc::PubMessage LogMessage(const std::string& line) {
  rpc::PubMessage m;
  m.set_channel(rpc::WORKER_LOGS);
  m.mutable_worker_logs()->add_lines(line);
  return m;
}

rpc::PollRequest Poll(std::vector<rpc::Channel> channels, const std::string& epoch, int64_t after) {
  rpc::PollRequest r;
  for (rpc::Channel c : channels) r.add_channels(c);
  r.set_publisher_epoch(epoch);
  r.set_after_seq(after);
  return r;
}

std::vector<std::string> Lines(const rpc::PollReply& reply) {
  std::vector<std::string> lines;
  for (const rpc::PubMessage& m : reply.messages()) {
    if (m.has_worker_logs()) lines.push_back(m.worker_logs().lines(0));
    if (m.has_node()) lines.push_back("node " + m.node().node_id());
  }
  return lines;
}

class PublisherTest : public ::testing::Test {
 protected:
  PublisherTest()
      : publisher_("epoch-1", Publisher::Options{3, std::chrono::milliseconds(1000)},
                   [this](std::chrono::milliseconds, std::function<void()> fn) {
                     timers_.push_back(std::move(fn));
                   }) {
    publisher_.RegisterSnapshot(rpc::NODE, [this] {
      std::vector<rpc::PubMessage> all;
      for (const std::string& id : state_) all.push_back(NodeMessage(id));
      return all;
    });
  }

  rpc::PollRequest Request(const std::string& epoch, int64_t after) {
    rpc::PollRequest r;
    r.add_channels(rpc::NODE);
    r.set_publisher_epoch(epoch);
    r.set_after_seq(after);
    r.set_timeout_ms(500);
    return r;
  }

  void Change(const std::string& id) {
    state_.push_back(id);
    publisher_.Publish(NodeMessage(id));
  }

  std::vector<std::string> state_;
  std::deque<std::function<void()>> timers_;
  Publisher publisher_;
};

TEST_F(PublisherTest, FirstPollGetsASnapshot) {
  Change("a");
  Change("b");
  rpc::PollReply reply;
  bool done = false;
  publisher_.Poll(Request("", 0), &reply, [&] { done = true; });
  ASSERT_TRUE(done);
  EXPECT_TRUE(reply.is_snapshot());
  EXPECT_EQ(reply.publisher_epoch(), "epoch-1");
  EXPECT_EQ(reply.last_seq(), 2);
  ASSERT_EQ(reply.messages_size(), 2);
  EXPECT_EQ(reply.messages(1).node().node_id(), "b");
}

TEST_F(PublisherTest, CaughtUpPollParksUntilAPublish) {
  Change("a");
  rpc::PollReply reply;
  bool done = false;
  publisher_.Poll(Request("epoch-1", 1), &reply, [&] { done = true; });
  EXPECT_FALSE(done);
  EXPECT_EQ(publisher_.parked_polls(), 1u);
  Change("b");
  ASSERT_TRUE(done);
  EXPECT_FALSE(reply.is_snapshot());
  ASSERT_EQ(reply.messages_size(), 1);
  EXPECT_EQ(reply.messages(0).node().node_id(), "b");
  EXPECT_EQ(reply.last_seq(), 2);
  // Its timeout firing later must not answer twice.
  for (auto& t : timers_) t();
}

TEST_F(PublisherTest, ParkedPollTimesOutEmpty) {
  rpc::PollReply reply;
  int done = 0;
  publisher_.Poll(Request("epoch-1", 0), &reply, [&] { done++; });
  EXPECT_EQ(done, 0);
  ASSERT_EQ(timers_.size(), 1u);
  timers_.front()();
  EXPECT_EQ(done, 1);
  EXPECT_EQ(reply.messages_size(), 0);
}

TEST_F(PublisherTest, BehindPollGetsTheMissedChanges) {
  Change("a");
  Change("b");
  Change("c");
  rpc::PollReply reply;
  bool done = false;
  publisher_.Poll(Request("epoch-1", 1), &reply, [&] { done = true; });
  ASSERT_TRUE(done);
  EXPECT_FALSE(reply.is_snapshot());
  ASSERT_EQ(reply.messages_size(), 2);
  EXPECT_EQ(reply.messages(0).seq(), 2);
  EXPECT_EQ(reply.messages(1).seq(), 3);
}

TEST_F(PublisherTest, OtherEpochOrTooFarBehindGetsASnapshot) {
  for (const char* id : {"a", "b", "c", "d", "e"}) Change(id);  // buffer keeps 3
  rpc::PollReply old_epoch;
  publisher_.Poll(Request("epoch-0", 5), &old_epoch, [] {});
  EXPECT_TRUE(old_epoch.is_snapshot());
  EXPECT_EQ(old_epoch.messages_size(), 5);
  rpc::PollReply too_far;
  publisher_.Poll(Request("epoch-1", 1), &too_far, [] {});
  EXPECT_TRUE(too_far.is_snapshot());
  rpc::PollReply just_in;
  publisher_.Poll(Request("epoch-1", 2), &just_in, [] {});
  EXPECT_FALSE(just_in.is_snapshot());
  EXPECT_EQ(just_in.messages_size(), 3);
}

TEST_F(PublisherTest, OtherChannelsDoNotWakeAPoll) {
  rpc::PollReply reply;
  bool done = false;
  publisher_.Poll(Request("epoch-1", 0), &reply, [&] { done = true; });
  rpc::PubMessage job;
  job.set_channel(rpc::JOB);
  publisher_.Publish(job);
  EXPECT_FALSE(done);
  publisher_.FlushParked();
  EXPECT_TRUE(done);
  EXPECT_EQ(reply.messages_size(), 0);
  EXPECT_EQ(reply.last_seq(), 1);
}

TEST_F(PublisherTest, EventsAreNotReplayedToANewSubscriber) {
  publisher_.RegisterEventChannel(rpc::WORKER_LOGS);
  publisher_.Publish(LogMessage("old 1"));
  publisher_.Publish(LogMessage("old 2"));
  rpc::PollReply first;
  publisher_.Poll(Poll({rpc::WORKER_LOGS}, "", 0), &first, [] {});
  EXPECT_TRUE(first.is_snapshot());
  EXPECT_EQ(first.messages_size(), 0);
  EXPECT_EQ(first.last_seq(), 2);
  publisher_.Publish(LogMessage("new"));
  rpc::PollReply next;
  publisher_.Poll(Poll({rpc::WORKER_LOGS}, "epoch-1", first.last_seq()), &next, [] {});
  EXPECT_FALSE(next.is_snapshot());
  EXPECT_EQ(Lines(next), std::vector<std::string>{"new"});
}

TEST_F(PublisherTest, EventsWakeParkedPolls) {
  publisher_.RegisterEventChannel(rpc::WORKER_LOGS);
  rpc::PollReply reply;
  bool done = false;
  publisher_.Poll(Poll({rpc::WORKER_LOGS}, "epoch-1", 0), &reply, [&] { done = true; });
  EXPECT_FALSE(done);
  publisher_.Publish(LogMessage("hello"));
  ASSERT_TRUE(done);
  EXPECT_EQ(Lines(reply), std::vector<std::string>{"hello"});
}

TEST_F(PublisherTest, EventsDoNotPushStateOutOfItsBuffer) {
  publisher_.RegisterEventChannel(rpc::WORKER_LOGS);
  Change("a");  // seq 1
  for (int i = 0; i < 50; i++) publisher_.Publish(LogMessage("line " + std::to_string(i)));
  Change("b");  // seq 52
  // A state subscriber that saw seq 1 is not behind: only events came since.
  rpc::PollReply state;
  publisher_.Poll(Request("epoch-1", 1), &state, [] {});
  EXPECT_FALSE(state.is_snapshot());
  EXPECT_EQ(Lines(state), std::vector<std::string>{"node b"});
  // One that follows both gets them in order.
  rpc::PollReply both;
  publisher_.Poll(Poll({rpc::NODE, rpc::WORKER_LOGS}, "epoch-1", 49), &both, [] {});
  EXPECT_FALSE(both.is_snapshot());
  EXPECT_EQ(Lines(both), (std::vector<std::string>{"line 48", "line 49", "node b"}));
}

TEST_F(PublisherTest, TooFarBehindOnStateStillGetsASnapshotWhenFollowingEventsToo) {
  publisher_.RegisterEventChannel(rpc::WORKER_LOGS);
  for (const char* id : {"a", "b", "c", "d", "e"}) Change(id);  // buffer keeps 3
  publisher_.Publish(LogMessage("x"));
  rpc::PollReply both;
  publisher_.Poll(Poll({rpc::NODE, rpc::WORKER_LOGS}, "epoch-1", 1), &both, [] {});
  EXPECT_TRUE(both.is_snapshot());
  EXPECT_EQ(both.messages_size(), 5);  // the state, no events
  // Following events only, nothing is "missed": the window is served.
  rpc::PollReply events;
  publisher_.Poll(Poll({rpc::WORKER_LOGS}, "epoch-1", 1), &events, [] {});
  EXPECT_FALSE(events.is_snapshot());
  EXPECT_EQ(Lines(events), std::vector<std::string>{"x"});
}

TEST(PublisherEventWindowTest, KeepsABoundedNumberOfEvents) {
  Publisher::Options options;
  options.max_buffered_events = 2;
  Publisher publisher("e", options, [](std::chrono::milliseconds, std::function<void()>) {});
  publisher.RegisterEventChannel(rpc::WORKER_LOGS);
  for (const char* line : {"1", "2", "3", "4", "5"}) publisher.Publish(LogMessage(line));
  rpc::PollReply reply;
  publisher.Poll(Poll({rpc::WORKER_LOGS}, "e", 0), &reply, [] {});
  EXPECT_FALSE(reply.is_snapshot());
  EXPECT_EQ(Lines(reply), (std::vector<std::string>{"4", "5"}));
}

TEST(PublisherEventWindowTest, KeepsABoundedNumberOfEventBytes) {
  Publisher::Options options;
  options.max_buffered_event_bytes = 3000;
  Publisher publisher("e", options, [](std::chrono::milliseconds, std::function<void()>) {});
  publisher.RegisterEventChannel(rpc::WORKER_LOGS);
  for (char c : std::string("abcde")) publisher.Publish(LogMessage(std::string(1000, c)));
  rpc::PollReply reply;
  publisher.Poll(Poll({rpc::WORKER_LOGS}, "e", 0), &reply, [] {});
  ASSERT_EQ(reply.messages_size(), 2);
  EXPECT_EQ(reply.messages(0).worker_logs().lines(0)[0], 'd');
  // A single event over the limit is still kept (the newest always is).
  publisher.Publish(LogMessage(std::string(5000, 'z')));
  rpc::PollReply big;
  publisher.Poll(Poll({rpc::WORKER_LOGS}, "e", 0), &big, [] {});
  ASSERT_EQ(big.messages_size(), 1);
  EXPECT_EQ(big.messages(0).worker_logs().lines(0).size(), 5000u);
}

}  // namespace
}  // namespace gcs
}  // namespace photon
