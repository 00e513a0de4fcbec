#pragma once
// ObjectFetcher: the value of an object that lives in an object store, read
// in place from this node's store, pulled there first (through the local
// raylet) from a node that holds a copy when this one has none.
//
// Where copies are comes from the ReferenceCounter for owned objects and
// from BorrowedObjects for borrowed ones. A pulled copy of an owned object
// is recorded as a location; of a borrowed one, reported to its owner.
//
//   ObjectFetcher fetcher(deps);
//   ASSIGN_OR_RETURN(std::shared_ptr<const StoredObject> v, fetcher.Fetch(id, deadline));
//   if (v == nullptr) ...   // owned and being rebuilt (or failed): look in the MemoryStore again
//
// Thread-safe; Fetch blocks the calling (user) thread.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/core_worker/borrowed_objects.h"
#include "core/core_worker/memory_store.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/worker_blocking.h"
#include "core/core_worker/worker_identity.h"
#include "object_store/object_store_client.h"
#include "core/rpc/raylet_client.h"

namespace photon {
namespace core {

class ObjectFetcher {
 public:
  struct Deps {
    const WorkerIdentity& self;
    // Shared: a value read in place keeps the client (and its mapping) alive.
    std::shared_ptr<object_store::ObjectStoreClient> store;
    ReferenceCounter& refs;
    MemoryStore& memory_store;
    NodeDirectory& nodes;
    BorrowedObjects& borrowed;
    rpc::RayletClient& local_raylet;
    // A task waiting for a pull gives its CPUs back meanwhile.
    WorkerBlocking& blocking;
  };

  explicit ObjectFetcher(Deps deps) : deps_(std::move(deps)) {}

  // The object read in place (pinned while the value lives); nullptr when
  // this process owns it and its record changed meanwhile (being rebuilt,
  // or failed): the caller looks at the MemoryStore again. Errors:
  // kGetTimeout at `deadline`, kObjectLost when no copy is left.
  absl::StatusOr<std::shared_ptr<const StoredObject>> Fetch(const ObjectID& id,
                                                           std::chrono::steady_clock::time_point deadline);

 private:
  // The local copy, if there is one (read in place).
  absl::StatusOr<std::shared_ptr<const StoredObject>> ReadLocal(const ObjectID& id);
  // One bounded round of pulling from `holders`; "" on success, else why not.
  std::string Pull(const ObjectID& id, const std::vector<std::string>& holders,
                   std::chrono::steady_clock::time_point deadline);
  // Object manager addresses of the other nodes that hold `id`.
  std::vector<std::string> Holders(const ObjectID& id) const;
  void NoteLocalCopy(const ObjectID& id);
  // After a failed round: an error to return, or OK to try again.
  absl::Status GiveUp(const ObjectID& id, bool had_holders, const std::string& why,
                      std::chrono::steady_clock::time_point deadline) const;

  const Deps deps_;
};

}  // namespace core
}  // namespace photon
