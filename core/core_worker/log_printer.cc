#include "core/core_worker/log_printer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace photon {
namespace core {

LogPrinter::LogPrinter(JobID job, int fd) : job_(job.Binary()), fd_(fd) {}

std::string LogPrinter::Format(const rpc::WorkerLogBatch& batch) {
  const std::string node = absl::BytesToHexString(batch.node_id().substr(0, 2));
  const std::string prefix = absl::StrCat("(pid=", batch.pid(), ", node=", node, ") ");
  std::string out;
  for (const std::string& line : batch.lines()) absl::StrAppend(&out, prefix, line, "\n");
  return out;
}

void LogPrinter::Print(const rpc::WorkerLogBatch& batch) const {
  if (batch.job_id() != job_ || batch.lines_size() == 0) return;
  const std::string text = Format(batch);
  // What the driver itself printed before comes first.
  if (fd_ == STDOUT_FILENO) std::fflush(stdout);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the terminal went away: nothing better to do
    written += static_cast<size_t>(n);
  }
}

}  // namespace core
}  // namespace photon
