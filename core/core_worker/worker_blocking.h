#pragma once
// WorkerBlocking: tells the local raylet when this worker's tasks wait in
// get or wait, so that the lease's CPUs go back to the node meanwhile (Ray's
// NotifyTaskBlocked). Without it a task that waits for tasks it submitted
// holds the CPU they need, and nesting deeper than the node's CPUs hangs.
//
// The raylet is told when the first of the worker's threads running a task
// blocks and when the last of them goes on; notifications carry a sequence
// number, so they may arrive in any order. In a driver, and on a thread that
// runs no task's function (CurrentTask()), a scope does nothing.
//
//   {
//     WorkerBlocking::Scope blocked = blocking.BlockIf([&] { return !AllReady(); });   // before waiting
//     memory_store.Get(ids, timeout);
//   }                                                     // goes on: CPUs taken again
//
// Thread-safe; notifications are sent without waiting for the answer.
#include <cstdint>
#include <mutex>

#include "core/core_worker/worker_identity.h"
#include "core/rpc/raylet_client.h"

namespace photon {
namespace core {

class WorkerBlocking {
 public:
  // While it lives, the thread that made it counts as blocked.
  class Scope {
   public:
    explicit Scope(WorkerBlocking* owner) : owner_(owner) {}
    Scope(Scope&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() {
      if (owner_ != nullptr) owner_->Change(-1);
    }

   private:
    WorkerBlocking* owner_;
  };

  WorkerBlocking(const WorkerIdentity& self, rpc::RayletClient& raylet) : self_(self), raylet_(raylet) {}

  // Counts the calling thread as blocked while the scope lives when it runs
  // a task's function and `will_wait()` says it is about to wait (asked only
  // then: a driver's get does not pay for it); else the scope does nothing.
  template <typename WillWait>
  Scope BlockIf(WillWait&& will_wait) {
    if (!InTask() || !will_wait()) return Scope(nullptr);
    Change(+1);
    return Scope(this);
  }

 private:
  bool InTask() const;
  void Change(int delta);
  void Notify(bool blocked, int64_t sequence);

  const WorkerIdentity& self_;
  rpc::RayletClient& raylet_;
  std::mutex mu_;
  int blocked_threads_ = 0;  // guarded by mu_
  int64_t sequence_ = 0;     // guarded by mu_
};

}  // namespace core
}  // namespace photon
