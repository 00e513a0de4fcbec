#pragma once

// LogMonitor: follows the output files of the workers this raylet started and
// turns what they print into WorkerLogBatch messages for the GCS, which
// publishes them on WORKER_LOGS to the job's driver (Ray's "log to driver").
// It reads files, so it works for any worker language.
//
// A worker's stdout and stderr both go to one file (WorkerPool). Poll reads
// what was appended since the last poll and returns the complete lines, one
// batch per worker that printed any:
//   - a partial line waits for its newline; once the worker has exited
//     (WorkerExited) its file is read to the end, a last partial line is sent
//     as it is, and the file is no longer followed;
//   - a line longer than max_line_bytes is cut there and ends with
//     kCutMarker; the rest of it, up to its newline, is skipped;
//   - a file that does not exist yet (the worker has not opened it) is tried
//     again on the next poll.
// The files are the buffer: one Poll reads at most max_batch_bytes in all, so
// memory stays bounded when the GCS is slow (the raylet polls again only once
// the last batch was sent), and a chatty worker cannot starve the others
// (each poll starts with the file after the one the last poll stopped in).
//
//   LogMonitor monitor(LogMonitor::Options{node_id});
//   monitor.AddWorker(worker_id, job_id, pid, "/tmp/s/logs/worker-1a2b.out");
//   loop.RunEvery("LogMonitor.Poll", 50ms, [&] {
//     rpc::PublishWorkerLogsRequest logs = monitor.Poll();
//     if (logs.batches_size() > 0) Send(logs);
//   });
//   monitor.WorkerExited(worker_id);   // the next polls drain its file
//
// Thread-compatible; the raylet runs it on its loop (reads of regular files
// return at once).

#include <cstddef>
#include <string>
#include <vector>

#include "core/common/id.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace raylet {

class LogMonitor {
 public:
  struct Options {
    NodeID node_id;
    // Longer lines are cut to this many bytes, plus kCutMarker.
    size_t max_line_bytes = 16 << 10;
    // Bytes read by one Poll, over all files (the batch is about this big).
    size_t max_batch_bytes = 1 << 20;
  };
  // Ends a cut line, so a reader knows it is not the whole line.
  static constexpr const char* kCutMarker = " [photon: line cut, too long]";

  explicit LogMonitor(Options options);
  ~LogMonitor();
  LogMonitor(const LogMonitor&) = delete;
  LogMonitor& operator=(const LogMonitor&) = delete;

  // Follows `path`, the output file of `worker` (process `pid`) of `job`,
  // from its start.
  void AddWorker(const WorkerID& worker, const JobID& job, int pid, std::string path);
  // The worker's process is gone: drain its file and stop following it.
  // Unknown workers are ignored.
  void WorkerExited(const WorkerID& worker);

  // The lines printed since the last poll (empty when none).
  rpc::PublishWorkerLogsRequest Poll();

  // Files still followed (tests and diagnostics).
  size_t num_followed() const { return files_.size(); }

 private:
  struct File {
    WorkerID worker;
    JobID job;
    int pid = 0;
    std::string path;
    int fd = -1;
    // What follows the last newline read.
    std::string partial;
    // Inside a line that was cut: drop bytes up to its newline.
    bool skipping = false;
    bool exited = false;
  };

  struct ReadResult {
    size_t bytes = 0;
    // The end of the file was reached (false: the budget ran out first).
    bool at_end = false;
  };
  // Reads up to `budget` new bytes of `file`, appending its complete lines to `lines`.
  ReadResult Read(File& file, size_t budget, std::vector<std::string>* lines);
  // Splits `data` into complete lines (into `lines`) and the new partial line.
  void Consume(File& file, const char* data, size_t size, std::vector<std::string>* lines);
  void Emit(std::string line, std::vector<std::string>* lines) const;

  const Options options_;
  std::vector<File> files_;
  // Where the next poll starts (an index into files_): after the file
  // where the last one stopped.
  size_t next_ = 0;
};

}  // namespace raylet
}  // namespace photon
