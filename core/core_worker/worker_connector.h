#pragma once
// Connecting a process to its cluster: the first step of CoreWorker::Start,
// which builds the process's WorkerIdentity before anything that uses it.
//
// A driver asks the GCS for the nodes, picks its raylet (the one given, else
// the head node's, else any alive one) and adds its job. A worker registers
// with the raylet that started it, which answers with its node and where
// the object store and the GCS are.
//
//   ASSIGN_OR_RETURN(WorkerIdentity me, options.is_driver
//                                           ? ConnectDriver(options, owner_port)
//                                           : ConnectWorker(options, loop, owner_port, task_port));
//
// Blocking; call from the thread starting the core worker.
#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/core_worker/core_worker_options.h"
#include "core/core_worker/worker_identity.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace core {

// `owner_port`: where this process's owner service listens.
absl::StatusOr<WorkerIdentity> ConnectDriver(const CoreWorkerOptions& options, int owner_port);
// `task_port`: where this worker takes pushed tasks (the raylet hands it out).
absl::StatusOr<WorkerIdentity> ConnectWorker(const CoreWorkerOptions& options, EventLoop& loop, int owner_port,
                                             int task_port);

// The driver's job is over: marks it finished in the GCS (a warning when
// the GCS cannot be told).
void DisconnectDriver(const WorkerIdentity& driver, gcs::GcsClient& gcs);

// For a worker process, before it connects: stdout is line-buffered (each
// line reaches the driver whole, through the raylet's log monitor) and the
// worker's own log goes to a file of its own in PHOTON_LOG_DIR.
void SetUpWorkerProcess(const WorkerID& worker_id);

}  // namespace core
}  // namespace photon
