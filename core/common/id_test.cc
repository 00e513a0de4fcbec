#include "core/common/id.h"

#include <unordered_set>

#include "gtest/gtest.h"

namespace photon {
namespace {

TEST(IdTest, HexRoundTrip) {
  NodeID node = NodeID::FromRandom();
  EXPECT_FALSE(node.IsNil());
  EXPECT_EQ(node.Hex().size(), 56u);
  absl::StatusOr<NodeID> back = NodeID::FromHex(node.Hex());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, node);
  EXPECT_EQ(*NodeID::FromBinary(node.Binary()), node);
}

TEST(IdTest, BadInputNamesTheProblem) {
  absl::StatusOr<NodeID> short_id = NodeID::FromBinary("abc");
  ASSERT_FALSE(short_id.ok());
  EXPECT_EQ(short_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_id.status().message().find("NodeID must be 28 bytes, got 3"), std::string::npos);
  EXPECT_FALSE(JobID::FromHex("zz000000").ok());
  EXPECT_FALSE(JobID::FromHex("0000").ok());
}

TEST(IdTest, DerivedIdsCarryTheirParents) {
  JobID job = JobID::FromInt(7);
  EXPECT_EQ(job.ToInt(), 7u);
  EXPECT_EQ(job.Hex(), "00000007");
  ActorID actor = ActorID::Of(job);
  EXPECT_EQ(actor.JobId(), job);
  TaskID task = TaskID::Of(actor);
  EXPECT_EQ(task.ActorId(), actor);
  EXPECT_EQ(task.JobId(), job);
  ObjectID obj = ObjectID::FromIndex(task, 3);
  EXPECT_EQ(obj.TaskId(), task);
  EXPECT_EQ(obj.Index(), 3u);
  EXPECT_EQ(TaskID::ForDriver(job).JobId(), job);
  EXPECT_EQ(PlacementGroupID::Of(job).JobId(), job);
}

TEST(IdTest, RandomIdsDifferAndHash) {
  std::unordered_set<WorkerID> ids;
  for (int i = 0; i < 1000; i++) ids.insert(WorkerID::FromRandom());
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_TRUE(WorkerID::Nil().IsNil());
}

}  // namespace
}  // namespace photon
