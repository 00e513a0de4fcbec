#include "gcs/task_event_manager.h"

#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

rpc::TaskEvent Event(const TaskID& task, rpc::TaskState state, int64_t at, int attempt = 0) {
  rpc::TaskEvent e;
  e.set_task_id(task.Binary());
  e.set_state(state);
  e.set_timestamp_ms(at);
  e.set_attempt(attempt);
  return e;
}

absl::Status Add(TaskEventManager& manager, const std::vector<rpc::TaskEvent>& events) {
  google::protobuf::RepeatedPtrField<rpc::TaskEvent> batch(events.begin(), events.end());
  return manager.Add(batch);
}

TEST(TaskEventManagerTest, FoldsEventsIntoOneSummaryPerAttempt) {
  TaskEventManager events({});
  TaskID task = TaskID::Of(ActorID::Nil());
  rpc::TaskEvent submitted = Event(task, rpc::SUBMITTED, 10);
  submitted.set_function_name("Plus");
  rpc::TaskEvent running = Event(task, rpc::RUNNING, 30);
  running.set_node_id("n");
  // FINISHED arrives before SCHEDULED (another batch): the latest state stays FINISHED.
  ASSERT_TRUE(Add(events, {submitted, running, Event(task, rpc::FINISHED, 40)}).ok());
  ASSERT_TRUE(Add(events, {Event(task, rpc::SCHEDULED, 20)}).ok());
  rpc::GetTaskEventsReply reply = events.Get(JobID::Nil(), 0);
  ASSERT_EQ(reply.tasks_size(), 1);
  const rpc::TaskSummary& s = reply.tasks(0);
  EXPECT_EQ(s.state(), rpc::FINISHED);
  EXPECT_EQ(s.function_name(), "Plus");
  EXPECT_EQ(s.node_id(), "n");
  EXPECT_EQ(s.state_times_ms().size(), 4u);
  EXPECT_EQ(s.state_times_ms().at(rpc::SCHEDULED), 20);
  // A retry is a new attempt with its own summary.
  ASSERT_TRUE(Add(events, {Event(task, rpc::FAILED, 50, 1)}).ok());
  EXPECT_EQ(events.num_tasks(), 2u);
}

TEST(TaskEventManagerTest, OneEventCarriesSeveralStates) {
  TaskEventManager events({});
  TaskID task = TaskID::Of(ActorID::Nil());
  rpc::TaskEvent e = Event(task, rpc::FINISHED, 40);
  for (int64_t at : {0, 10, 20, 0, 0}) e.add_times_by_state_ms(at);  // SUBMITTED, SCHEDULED
  ASSERT_TRUE(Add(events, {e}).ok());
  const rpc::TaskSummary s = events.Get(JobID::Nil(), 0).tasks(0);
  EXPECT_EQ(s.state(), rpc::FINISHED);
  ASSERT_EQ(s.state_times_ms().size(), 3u);
  EXPECT_EQ(s.state_times_ms().at(rpc::SUBMITTED), 10);
  EXPECT_EQ(s.state_times_ms().at(rpc::SCHEDULED), 20);
  EXPECT_EQ(s.state_times_ms().at(rpc::FINISHED), 40);
}

TEST(TaskEventManagerTest, FiltersByJobNewestFirstAndStaysBounded) {
  TaskEventManager events({3});
  JobID job1 = JobID::FromInt(1), job2 = JobID::FromInt(2);
  std::vector<TaskID> tasks;
  for (int i = 0; i < 5; i++) {
    tasks.push_back(TaskID::Of(ActorID::Of(i % 2 == 0 ? job1 : job2)));
    ASSERT_TRUE(Add(events, {Event(tasks.back(), rpc::SUBMITTED, i)}).ok());
  }
  EXPECT_EQ(events.num_tasks(), 3u);
  rpc::GetTaskEventsReply all = events.Get(JobID::Nil(), 0);
  EXPECT_EQ(all.num_dropped(), 2);
  ASSERT_EQ(all.tasks_size(), 3);
  EXPECT_EQ(all.tasks(0).task_id(), tasks[4].Binary());
  rpc::GetTaskEventsReply only1 = events.Get(job1, 0);
  ASSERT_EQ(only1.tasks_size(), 2);  // tasks 4 and 2; task 0 was dropped
  rpc::GetTaskEventsReply one = events.Get(JobID::Nil(), 1);
  EXPECT_EQ(one.tasks_size(), 1);
  // The counts cover every kept attempt, whatever the limit.
  ASSERT_EQ(one.count_by_state_size(), rpc::TaskState_ARRAYSIZE);
  EXPECT_EQ(one.count_by_state(rpc::SUBMITTED), 3);
  EXPECT_EQ(events.Get(job1, 1).count_by_state(rpc::SUBMITTED), 2);
}

TEST(TaskEventManagerTest, BadEventsAreNamedAndTheRestKept) {
  TaskEventManager events({});
  rpc::TaskEvent bad_id;
  bad_id.set_task_id("x");
  bad_id.set_state(rpc::RUNNING);
  rpc::TaskEvent no_state = Event(TaskID::Of(ActorID::Nil()), rpc::TASK_STATE_UNSPECIFIED, 1);
  absl::Status s = Add(events, {Event(TaskID::Of(ActorID::Nil()), rpc::SUBMITTED, 1), bad_id, no_state});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "task event 1 of 3: TaskID must be 24 bytes, got 1");
  EXPECT_EQ(events.num_tasks(), 1u);
}

}  // namespace
}  // namespace gcs
}  // namespace photon
