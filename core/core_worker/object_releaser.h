#pragma once
// ObjectReleaser: what happens when an object goes out of scope here (the
// ReferenceCounter's callback), and to a driver's objects when it exits.
//
// Its value leaves this process's MemoryStore at once. An owned object's
// copy in this node's store is deleted on the caller's thread, so that a put
// right after (a loop of large puts) finds the space free; copies on other
// nodes are freed through their raylets from the loop. A borrowed object's
// owner is told the borrow ended (BorrowedObjects::EndBorrow).
//
//   ObjectReleaser releaser(deps);
//   ReferenceCounter refs(self, [&](const ObjectID& id, const Reference& ref) {
//     releaser.OnOutOfScope(id, ref);
//   });
//   ...
//   releaser.FreeAllOwned();   // driver shutdown: every copy it owns
//
// OnOutOfScope: any thread. FreeRemote: runs only on the loop. FreeAllOwned:
// blocks; call it from a user thread while the loop still runs.
#include <atomic>
#include <functional>

#include "core/common/event_loop.h"
#include "core/core_worker/borrowed_objects.h"
#include "core/core_worker/memory_store.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/worker_identity.h"
#include "core/rpc/client_cache.h"
#include "core/rpc/raylet_client.h"
#include "object_store/object_store_client.h"

namespace photon {
namespace core {

class ObjectReleaser {
 public:
  struct Deps {
    const WorkerIdentity& self;
    EventLoop& loop;
    MemoryStore& memory_store;
    object_store::ObjectStoreClient& store;
    ReferenceCounter& refs;
    NodeDirectory& nodes;
    BorrowedObjects& borrowed;
    // Raylets by address (loop-owned).
    rpc::ClientCache<rpc::RayletClient>& raylets;
    // Set once the process shuts down: nothing is freed remotely after.
    const std::atomic<bool>& shut_down;
    // On the loop, for every object released: the task manager drops what
    // it kept for it (lineage, which task makes it).
    std::function<void(const ObjectID&)> on_released;
  };

  explicit ObjectReleaser(Deps deps) : deps_(std::move(deps)) {}

  void OnOutOfScope(const ObjectID& id, const Reference& ref);
  // Frees what `ref` records of `id` beyond this process: copies on other
  // nodes (owned), or the borrow (borrowed). Runs only on the loop.
  void FreeRemote(const ObjectID& id, const Reference& ref);
  // Deletes every copy of every object this process owns.
  void FreeAllOwned();

 private:
  void DeleteLocalCopies(const std::vector<ObjectID>& ids, const char* when);

  const Deps deps_;
};

}  // namespace core
}  // namespace photon
