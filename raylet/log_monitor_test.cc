// The log monitor on real files in the test's temporary directory, written
// the way a worker process appends to its output file.

#include "raylet/log_monitor.h"

#include <unistd.h>

#include <fstream>

#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

class LogMonitorTest : public ::testing::Test {
 protected:
  LogMonitorTest() {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = std::string(tmp ? tmp : "/tmp") + "/log-monitor-" + std::to_string(getpid()) + "-" +
           std::to_string(counter_++);
    path_ = dir_ + ".out";
    unlink(path_.c_str());
  }
  ~LogMonitorTest() override { unlink(path_.c_str()); }

  void Make(size_t max_line_bytes = 16 << 10, size_t max_batch_bytes = 1 << 20) {
    LogMonitor::Options options;
    options.node_id = node_;
    options.max_line_bytes = max_line_bytes;
    options.max_batch_bytes = max_batch_bytes;
    monitor_ = std::make_unique<LogMonitor>(options);
  }

  void Append(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app | std::ios::binary) << text;
  }
  void Append(const std::string& text) { Append(path_, text); }

  // Every line of one poll, whoever printed it.
  std::vector<std::string> PollLines() {
    std::vector<std::string> lines;
    rpc::PublishWorkerLogsRequest r = monitor_->Poll();
    for (const rpc::WorkerLogBatch& b : r.batches()) lines.insert(lines.end(), b.lines().begin(), b.lines().end());
    return lines;
  }

  static int counter_;
  std::string dir_;
  std::string path_;
  NodeID node_ = NodeID::FromRandom();
  JobID job_ = JobID::FromInt(7);
  WorkerID worker_ = WorkerID::FromRandom();
  std::unique_ptr<LogMonitor> monitor_;
};

int LogMonitorTest::counter_ = 0;

using Lines = std::vector<std::string>;

TEST_F(LogMonitorTest, SendsCompleteLinesWithTheWorkersIdentity) {
  Make();
  monitor_->AddWorker(worker_, job_, 4242, path_);
  Append("hello\nworld\n\n");
  rpc::PublishWorkerLogsRequest r = monitor_->Poll();
  ASSERT_EQ(r.batches_size(), 1);
  const rpc::WorkerLogBatch& b = r.batches(0);
  EXPECT_EQ(b.job_id(), job_.Binary());
  EXPECT_EQ(b.node_id(), node_.Binary());
  EXPECT_EQ(b.worker_id(), worker_.Binary());
  EXPECT_EQ(b.pid(), 4242);
  EXPECT_EQ(Lines(b.lines().begin(), b.lines().end()), (Lines{"hello", "world", ""}));
  // Nothing new: no batch.
  EXPECT_EQ(monitor_->Poll().batches_size(), 0);
  Append("again\n");
  EXPECT_EQ(PollLines(), Lines{"again"});
}

TEST_F(LogMonitorTest, AFileNotCreatedYetIsTriedAgain) {
  Make();
  monitor_->AddWorker(worker_, job_, 1, path_);
  EXPECT_TRUE(PollLines().empty());
  Append("late\n");
  EXPECT_EQ(PollLines(), Lines{"late"});
}

TEST_F(LogMonitorTest, PartialLinesWaitForTheirNewline) {
  Make();
  monitor_->AddWorker(worker_, job_, 1, path_);
  Append("one\ntw");
  EXPECT_EQ(PollLines(), Lines{"one"});
  Append("o and a ha");
  EXPECT_TRUE(PollLines().empty());
  Append("lf\nthree");
  EXPECT_EQ(PollLines(), Lines{"two and a half"});
}

TEST_F(LogMonitorTest, AnExitedWorkersFileIsDrainedOnceWithItsPartialLine) {
  Make();
  monitor_->AddWorker(worker_, job_, 1, path_);
  Append("first\n");
  EXPECT_EQ(PollLines(), Lines{"first"});
  Append("last words\nno newline");
  monitor_->WorkerExited(worker_);
  EXPECT_EQ(PollLines(), (Lines{"last words", "no newline"}));
  EXPECT_EQ(monitor_->num_followed(), 0u);
  Append("after the end\n");
  EXPECT_TRUE(PollLines().empty());
}

TEST_F(LogMonitorTest, AWorkerThatNeverWroteIsForgottenAfterItExits) {
  Make();
  monitor_->AddWorker(worker_, job_, 1, path_);
  monitor_->WorkerExited(worker_);
  EXPECT_TRUE(PollLines().empty());
  EXPECT_EQ(monitor_->num_followed(), 0u);
  monitor_->WorkerExited(WorkerID::FromRandom());  // unknown: ignored
}

TEST_F(LogMonitorTest, LongLinesAreCutWithAMarker) {
  Make(/*max_line_bytes=*/10);
  monitor_->AddWorker(worker_, job_, 1, path_);
  Append(std::string(25, 'a') + "\nshort\n");
  EXPECT_EQ(PollLines(), (Lines{std::string(10, 'a') + LogMonitor::kCutMarker, "short"}));
}

TEST_F(LogMonitorTest, ALongLineWithoutNewlineIsCutAndItsRestSkipped) {
  Make(/*max_line_bytes=*/10);
  monitor_->AddWorker(worker_, job_, 1, path_);
  Append(std::string(15, 'b'));
  EXPECT_EQ(PollLines(), Lines{std::string(10, 'b') + LogMonitor::kCutMarker});
  Append(std::string(30, 'b'));
  EXPECT_TRUE(PollLines().empty());
  Append("bb\nnext\n");
  EXPECT_EQ(PollLines(), Lines{"next"});
}

TEST_F(LogMonitorTest, APollReadsABoundedAmountAndTheRestComesNext) {
  Make(/*max_line_bytes=*/100, /*max_batch_bytes=*/12);
  monitor_->AddWorker(worker_, job_, 1, path_);
  Append("aaaa\nbbbb\ncccc\ndddd\n");  // 20 bytes
  EXPECT_EQ(PollLines(), (Lines{"aaaa", "bbbb"}));
  EXPECT_EQ(PollLines(), (Lines{"cccc", "dddd"}));
}

TEST_F(LogMonitorTest, OneBatchPerWorkerAndAChattyWorkerDoesNotStarveOthers) {
  Make(/*max_line_bytes=*/100, /*max_batch_bytes=*/8);
  const std::string other = path_ + ".2";
  unlink(other.c_str());
  const WorkerID second = WorkerID::FromRandom();
  monitor_->AddWorker(worker_, job_, 1, path_);
  monitor_->AddWorker(second, JobID::FromInt(8), 2, other);
  Append(std::string("x\n") + "x\n" + "x\n" + "x\n" + "x\n" + "x\n" + "x\n" + "x\n");
  Append(other, "y\n");
  rpc::PublishWorkerLogsRequest r1 = monitor_->Poll();
  ASSERT_EQ(r1.batches_size(), 1);
  EXPECT_EQ(r1.batches(0).pid(), 1);
  rpc::PublishWorkerLogsRequest r2 = monitor_->Poll();
  ASSERT_GE(r2.batches_size(), 1);
  bool second_seen = false;
  for (const rpc::WorkerLogBatch& b : r2.batches()) {
    if (b.pid() == 2) {
      second_seen = true;
      EXPECT_EQ(b.job_id(), JobID::FromInt(8).Binary());
      EXPECT_EQ(Lines(b.lines().begin(), b.lines().end()), Lines{"y"});
    }
  }
  EXPECT_TRUE(second_seen);
  unlink(other.c_str());
}

}  // namespace
}  // namespace raylet
}  // namespace photon
