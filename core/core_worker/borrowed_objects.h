#pragma once
// BorrowedObjects: the borrower's side of objects other processes own.
//
// A process that holds a reference to an object it does not own asks the
// owner for the object once (its small value, or where its copies are),
// tells the owner about copies it pulls into its node's store, and, if it
// told the owner it kept the reference past a task (a reported borrow),
// tells it when the last reference here goes. Values land in this process's
// MemoryStore like owned ones, so Get waits the same way for both.
//
//   BorrowedObjects borrowed(deps);
//   if (!refs.IsOwned(id) && !memory_store.Contains(id)) borrowed.RequestStatus(id);
//   ...
//   borrowed.ReportCopy(id);          // after a pull into this node's store
//   borrowed.Forget(id);              // out of scope here
//   borrowed.EndBorrow(id, ref);      // on the loop: RemoveBorrower to the owner if due
//
// Thread-safe: one mutex guards the tables; RPCs go out on the loop (EndBorrow
// runs only on it).
#include <functional>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "core/common/event_loop.h"
#include "core/core_worker/memory_store.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/worker_identity.h"
#include "core/rpc/client_cache.h"
#include "core/rpc/core_worker_client.h"
#include "proto/core_worker.grpc.pb.h"

namespace photon {
namespace core {

class BorrowedObjects {
 public:
  struct Deps {
    const WorkerIdentity& self;
    EventLoop& loop;
    ReferenceCounter& refs;
    MemoryStore& memory_store;
    // Clients of owners (loop-owned).
    rpc::ClientCache<rpc::CoreWorkerClient>& owners;
  };

  explicit BorrowedObjects(Deps deps) : deps_(deps) {}

  // Asks the owner of `id` for its status once; the answer (the value, a
  // placeholder with locations, or an OwnerDied / ObjectLost error) is put
  // in the MemoryStore. No-op for an object of unknown owner or one asked already.
  void RequestStatus(const ObjectID& id);
  // A task argument borrowed with the copies its submitter listed: those are
  // the places to pull from, no need to ask the owner.
  // No-op for an owned object, one with a value here, or no locations.
  void NoteLocations(const ObjectID& id, std::vector<rpc::ObjectLocation> locations);
  // Where copies of borrowed `id` are, as its owner (or submitter) said.
  std::vector<rpc::ObjectLocation> Locations(const ObjectID& id) const;
  // Tells the owner this node now holds a copy of borrowed `id`.
  void ReportCopy(const ObjectID& id);
  // This process told `lender` (the owner, or a borrower that passed it on)
  // it keeps a reference to `id` (a task's reply listed it, or a task's
  // result held it): RemoveBorrower to the lender is due when it goes.
  void MarkReported(const ObjectID& id, const rpc::Address& lender);
  // References this process found inside a value it read (not passed to
  // it by a task, which reports them in its reply): tells each owner it
  // borrows them (AddBorrower, one call per owner), then calls `done` (on
  // the loop). One the owner freed meanwhile, or whose owner cannot be
  // reached, gets ObjectLost / OwnerDied as its value here.
  void Borrow(std::vector<ObjectID> ids, std::function<void()> done);
  // Tells `lender` at once that this process does not need its loan of `id`
  // (it holds the object some other way). On the loop.
  void ReturnLoan(const ObjectID& id, const rpc::Address& lender);
  // `id` went out of scope here: forget what was asked and known.
  void Forget(const ObjectID& id);
  // On the loop, after Forget: tells the owner (`ref.owner`) this borrower
  // is done, if it had been told of the borrow.
  void EndBorrow(const ObjectID& id, const Reference& ref);

 private:
  void AskOwner(const ObjectID& id, const rpc::Address& owner);
  void OnBorrowed(const rpc::Address& owner, const std::string& address, const rpc::AddBorrowerRequest& asked,
                  const absl::StatusOr<rpc::AddBorrowerReply>& reply);
  void OnStatus(const ObjectID& id, const std::string& owner_address,
                const absl::StatusOr<rpc::GetObjectStatusReply>& reply);

  const Deps deps_;
  mutable absl::Mutex mu_;
  // Objects whose status was asked of their owner.
  absl::flat_hash_set<ObjectID> status_requested_ ABSL_GUARDED_BY(mu_);
  // Where objects in object stores are (from their owners).
  absl::flat_hash_map<ObjectID, std::vector<rpc::ObjectLocation>> locations_ ABSL_GUARDED_BY(mu_);
  // Borrows reported to their owners (RemoveBorrower due).
  // Reported borrows, and whom they were reported to.
  absl::flat_hash_map<ObjectID, rpc::Address> reported_ ABSL_GUARDED_BY(mu_);
};

}  // namespace core
}  // namespace photon
