#include "core/core_worker/worker_blocking.h"

#include "core/common/logging.h"
#include "core/core_worker/current_task.h"

namespace photon {
namespace core {

bool WorkerBlocking::InTask() const { return !self_.is_driver && CurrentTask() != nullptr; }

void WorkerBlocking::Change(int delta) {
  int64_t sequence = 0;
  bool blocked = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool was_blocked = blocked_threads_ > 0;
    blocked_threads_ += delta;
    blocked = blocked_threads_ > 0;
    if (blocked == was_blocked) return;
    sequence = ++sequence_;
  }
  Notify(blocked, sequence);
}

void WorkerBlocking::Notify(bool blocked, int64_t sequence) {
  rpc::NotifyWorkerBlockedRequest request;
  request.set_worker_id(self_.worker_id.Binary());
  request.set_blocked(blocked);
  request.set_sequence(sequence);
  raylet_.NotifyWorkerBlocked(std::move(request), [blocked](absl::StatusOr<rpc::NotifyWorkerBlockedReply> reply) {
    if (!reply.ok()) {
      PHOTON_LOG(WARNING) << "could not tell the raylet this worker is " << (blocked ? "blocked" : "running again")
                          << ": " << reply.status();
    }
  });
}

}  // namespace core
}  // namespace photon
