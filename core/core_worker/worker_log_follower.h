#pragma once
// WorkerLogFollower: a driver's subscription to WORKER_LOGS, printing what
// its job's workers print (any node) on its own stdout through a LogPrinter.
//
// Start returns once the GCS answered the first poll (or after 2 s, with a
// warning): from then on every line reaches this driver, so a task
// submitted after Start cannot print before the driver listens. The GCS
// never replays old output.
//
//   WorkerLogFollower logs(gcs, job);
//   logs.Start();
//   ...
//   logs.RequestStop();   // ends with its next poll; meanwhile stop the rest
//   logs.Stop();
//
// Thread-safe; printing happens on the subscriber's thread.
#include <memory>

#include "core/common/id.h"
#include "core/core_worker/log_printer.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/gcs_subscriber.h"

namespace photon {
namespace core {

class WorkerLogFollower {
 public:
  WorkerLogFollower(gcs::GcsClient& gcs, const JobID& job);
  ~WorkerLogFollower();

  void Start();
  void RequestStop();
  void Stop();

 private:
  gcs::GcsClient& gcs_;
  LogPrinter printer_;
  std::unique_ptr<gcs::GcsSubscriber> subscriber_;
};

}  // namespace core
}  // namespace photon
