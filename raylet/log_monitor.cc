#include "raylet/log_monitor.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/common/logging.h"

namespace photon {
namespace raylet {
namespace {

constexpr size_t kReadChunk = 64 << 10;

}  // namespace

LogMonitor::LogMonitor(Options options) : options_(std::move(options)) {}

LogMonitor::~LogMonitor() {
  for (File& f : files_) {
    if (f.fd >= 0) close(f.fd);
  }
}

void LogMonitor::AddWorker(const WorkerID& worker, const JobID& job, int pid, std::string path) {
  File f;
  f.worker = worker;
  f.job = job;
  f.pid = pid;
  f.path = std::move(path);
  files_.push_back(std::move(f));
}

void LogMonitor::WorkerExited(const WorkerID& worker) {
  for (File& f : files_) {
    if (f.worker == worker) f.exited = true;
  }
}

void LogMonitor::Emit(std::string line, std::vector<std::string>* lines) const {
  if (line.size() > options_.max_line_bytes) {
    line.resize(options_.max_line_bytes);
    line += kCutMarker;
  }
  lines->push_back(std::move(line));
}

void LogMonitor::Consume(File& file, const char* data, size_t size, std::vector<std::string>* lines) {
  const char* end = data + size;
  while (data < end) {
    const char* newline = static_cast<const char*>(std::memchr(data, '\n', end - data));
    const char* piece_end = newline ? newline : end;
    if (!file.skipping) {
      file.partial.append(data, piece_end);
      if (newline != nullptr) {
        Emit(std::move(file.partial), lines);
        file.partial.clear();
      } else if (file.partial.size() > options_.max_line_bytes) {
        // No newline in sight: send what fits now, drop the rest of the line.
        Emit(std::move(file.partial), lines);
        file.partial.clear();
        file.skipping = true;
      }
    } else if (newline != nullptr) {
      file.skipping = false;
    }
    data = newline ? newline + 1 : end;
  }
}

LogMonitor::ReadResult LogMonitor::Read(File& file, size_t budget, std::vector<std::string>* lines) {
  ReadResult result;
  if (file.fd < 0) {
    file.fd = open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) {
      if (errno != ENOENT) {
        PHOTON_LOG(WARNING) << "cannot read the output of worker " << file.worker.Hex() << " at " << file.path
                            << ": " << std::strerror(errno);
      }
      result.at_end = true;
      return result;
    }
  }
  char buffer[kReadChunk];
  while (result.bytes < budget) {
    const ssize_t n = read(file.fd, buffer, std::min(kReadChunk, budget - result.bytes));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) {
        PHOTON_LOG(WARNING) << "reading the output of worker " << file.worker.Hex() << " at " << file.path
                            << ": " << std::strerror(errno);
      }
      result.at_end = true;
      break;
    }
    Consume(file, buffer, static_cast<size_t>(n), lines);
    result.bytes += static_cast<size_t>(n);
  }
  return result;
}

rpc::PublishWorkerLogsRequest LogMonitor::Poll() {
  rpc::PublishWorkerLogsRequest request;
  if (files_.empty()) return request;
  size_t budget = options_.max_batch_bytes;
  const size_t count = files_.size();
  const size_t first = next_ < count ? next_ : 0;
  std::vector<size_t> finished;
  size_t last = first;
  for (size_t k = 0; k < count && budget > 0; k++) {
    const size_t i = (first + k) % count;
    last = i;
    File& file = files_[i];
    std::vector<std::string> lines;
    ReadResult read = Read(file, budget, &lines);
    budget -= read.bytes;
    if (read.at_end && file.exited) {
      // Nothing more will come: the last partial line goes as it is.
      if (!file.partial.empty()) Emit(std::move(file.partial), &lines);
      file.partial.clear();
      finished.push_back(i);
    }
    if (lines.empty()) continue;
    rpc::WorkerLogBatch* batch = request.add_batches();
    batch->set_job_id(file.job.Binary());
    batch->set_node_id(options_.node_id.Binary());
    batch->set_worker_id(file.worker.Binary());
    batch->set_pid(file.pid);
    for (std::string& line : lines) batch->add_lines(std::move(line));
  }
  // The next poll starts after the file this one stopped in.
  const WorkerID resume = files_[(last + 1) % count].worker;
  // Erase from the back so that earlier indices stay valid.
  std::sort(finished.rbegin(), finished.rend());
  for (size_t i : finished) {
    if (files_[i].fd >= 0) close(files_[i].fd);
    files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(i));
  }
  next_ = 0;
  for (size_t i = 0; i < files_.size(); i++) {
    if (files_[i].worker == resume) next_ = i;
  }
  return request;
}

}  // namespace raylet
}  // namespace photon
