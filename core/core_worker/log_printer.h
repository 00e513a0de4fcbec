#pragma once

// LogPrinter: writes what a job's workers printed to the driver's terminal
// (Ray's "log to driver"). The raylets forward worker output to the GCS,
// which publishes it on WORKER_LOGS; a driver's CoreWorker follows that
// channel and hands each batch here. Every line is prefixed with where it
// came from:
//
//   (pid=4242, node=3f2a) hello from a task
//
// `node=` is followed by the first 4 hex digits of the node's id.
//
//   LogPrinter printer(job, STDOUT_FILENO);
//   printer.Print(message.worker_logs());   // other jobs' batches are skipped
//
// A batch is written with one write() (retried on a short write), so lines
// from concurrent workers never interleave mid-line. Thread-safe (no state
// but its constants).

#include <string>

#include "core/common/id.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace core {

class LogPrinter {
 public:
  LogPrinter(JobID job, int fd);

  // Writes the batch's lines when it belongs to this printer's job.
  void Print(const rpc::WorkerLogBatch& batch) const;

  // The batch's lines, each prefixed and ending with a newline.
  static std::string Format(const rpc::WorkerLogBatch& batch);

 private:
  const std::string job_;  // binary id
  const int fd_;
};

}  // namespace core
}  // namespace photon
