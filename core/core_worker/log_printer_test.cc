#include "core/core_worker/log_printer.h"

#include <fcntl.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace photon {
namespace core {
namespace {

rpc::WorkerLogBatch Batch(const JobID& job, int pid, std::vector<std::string> lines) {
  rpc::WorkerLogBatch b;
  b.set_job_id(job.Binary());
  b.set_node_id(std::string("\xab\x12\x34\x56", 4) + std::string(NodeID::kSize - 4, '\0'));
  b.set_pid(pid);
  for (std::string& l : lines) b.add_lines(std::move(l));
  return b;
}

std::string ReadAll(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  return out;
}

TEST(LogPrinterTest, PrefixesEachLineWithPidAndNode) {
  EXPECT_EQ(LogPrinter::Format(Batch(JobID::FromInt(1), 123, {"hello", "", "world"})),
            "(pid=123, node=ab12) hello\n(pid=123, node=ab12) \n(pid=123, node=ab12) world\n");
}

TEST(LogPrinterTest, WritesOnlyItsOwnJobsLines) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  LogPrinter printer(JobID::FromInt(1), fds[1]);
  printer.Print(Batch(JobID::FromInt(2), 7, {"not mine"}));
  printer.Print(Batch(JobID::FromInt(1), 8, {"mine"}));
  close(fds[1]);
  EXPECT_EQ(ReadAll(fds[0]), "(pid=8, node=ab12) mine\n");
  close(fds[0]);
}

}  // namespace
}  // namespace core
}  // namespace photon
