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

}  // namespace
}  // namespace gcs
}  // namespace photon
