#pragma once

// ReferenceCounter: what this process knows about the lifetime of the objects
// it owns or borrows (Ray's ownership model).
//
// The worker that creates an object (by submitting the task that returns it,
// or by put) owns it: it decides when the object is garbage, where its copies
// are, and how to rebuild it. Other processes that were handed a reference
// borrow it and tell the owner when they are done. For each object this class
// counts three kinds of reference:
//   - local: language-level ObjectRef handles alive in this process;
//   - submitted-task: tasks submitted by this process that take the object as
//     an argument and have not finished (or failed for good);
//   - borrowers (owned objects only): other workers that reported keeping a
//     reference after a task of theirs ran, keyed by their worker ID.
// When the last of these goes the object is out of scope: the counter forgets
// it and calls the out-of-scope callback with what it knew, so the core worker
// can drop the value from its MemoryStore, unpin copies in the object stores
// and, for a borrowed object, tell the owner.
//
//   ReferenceCounter refs(self_address, [&](const ObjectID& id, const Reference& ref) {
//     OnObjectOutOfScope(id, ref);   // a named method; see below for when it runs
//   });
//   RETURN_IF_ERROR(refs.AddOwnedObject(id, /*size=*/1024, task_id));
//   RETURN_IF_ERROR(refs.AddLocalReference(id));   // the ObjectRef returned to the user
//   ...
//   RETURN_IF_ERROR(refs.RemoveLocalReference(id));  // the callback runs here
//
// An object becomes out of scope only when a count is decremented to the point
// where all three are zero. A freshly added object with no reference yet stays
// until its first reference is added and removed, so add the caller's ObjectRef
// right after AddOwnedObject / AddBorrowedObject.
//
// Errors: references must be added to known objects (AddOwnedObject or
// AddBorrowedObject first) and removed only if added. Breaking that is a bug in
// our own code, but it must not crash a production process, so such calls
// return FailedPrecondition naming the object and what was missing, change
// nothing, and the caller logs it. Counts never go negative.
//
// A borrowed object may have borrowers too (a borrower that passed it on):
// it stays in scope while they last. An object whose value holds references
// (AddContained) keeps them in scope while it is.
//
// Not handled here: lineage pinning (keeping the lineage of out-of-scope
// objects that other objects' lineage needs), and dropping borrowers when their node dies (the caller calls
// RemoveBorrower for each dead worker).
//
// Thread-safe: one mutex guards the table. The out-of-scope callback runs in
// the thread whose call dropped the last reference, after the mutex is
// released, so it may call back into the counter; it runs exactly once per
// object going out of scope.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/common/id.h"
#include "proto/common.pb.h"

namespace photon {

// Everything the counter knows about one object.
struct Reference {
  // True if this process owns the object; false if it borrows it.
  bool owned = false;
  // The owner's address (this process's own for owned objects).
  rpc::Address owner;
  // Size in bytes as given to AddOwnedObject; -1 when unknown (borrowed).
  int64_t size = -1;
  // The task that can re-create an owned object; nullopt for puts and for
  // borrowed objects.
  std::optional<TaskID> lineage_task;
  int64_t local_refs = 0;
  int64_t submitted_task_refs = 0;
  // Workers this process lent the object to, by WorkerID bytes
  // (Address.worker_id): borrowers of an owned object, or, for a borrowed
  // one, borrowers of this borrower (it keeps its borrow while they last).
  absl::flat_hash_map<std::string, rpc::Address> borrowers;
  // Objects whose references are serialized inside this one's value: it
  // holds one local reference on each, dropped when it goes out of scope.
  std::vector<ObjectID> contained;
  // Nodes whose shared-memory store holds a copy of an owned object.
  absl::flat_hash_set<NodeID> locations;

  bool InScope() const { return local_refs > 0 || submitted_task_refs > 0 || !borrowers.empty(); }
};

class ReferenceCounter {
 public:
  // Called once for each object that goes out of scope, with the reference as
  // it was just before it was forgotten (the last count already at zero).
  using OutOfScopeCallback = std::function<void(const ObjectID& id, const Reference& info)>;

  // `self` is this process's address, reported as the owner of owned objects.
  // `on_out_of_scope` may be empty.
  ReferenceCounter(rpc::Address self, OutOfScopeCallback on_out_of_scope);
  ReferenceCounter(const ReferenceCounter&) = delete;
  ReferenceCounter& operator=(const ReferenceCounter&) = delete;

  // Records an object this process owns. `lineage_task` is the task that can
  // re-create it; nullopt for a put. Fails with AlreadyExists if `id` is known
  // (owned or borrowed).
  absl::Status AddOwnedObject(const ObjectID& id, int64_t size, std::optional<TaskID> lineage_task);

  // Records a reference handed to this process by `owner`. Receiving a
  // reference again (from the same owner), or receiving back an object this
  // process owns, is a no-op returning OK. Fails with InvalidArgument if the
  // object is already borrowed from a different owner (worker IDs differ).
  absl::Status AddBorrowedObject(const ObjectID& id, const rpc::Address& owner);

  // REQUIRES: `id` is owned or borrowed; else FailedPrecondition.
  absl::Status AddLocalReference(const ObjectID& id);
  // REQUIRES: `id` has a local reference; else FailedPrecondition.
  absl::Status RemoveLocalReference(const ObjectID& id);

  // One submitted-task reference per entry of `args` (repeats count twice).
  // All or nothing: if any argument is unknown, nothing changes and the call
  // fails with FailedPrecondition.
  absl::Status AddSubmittedTaskReferences(const std::vector<ObjectID>& args);
  // Undoes AddSubmittedTaskReferences(args). All or nothing: if any argument
  // lacks the references being removed, nothing changes (FailedPrecondition).
  absl::Status RemoveSubmittedTaskReferences(const std::vector<ObjectID>& args);

  // Records that the worker at `borrower` kept a reference to `id` that this
  // process handed it (owned, or borrowed: a borrower of a borrower keeps
  // this process's borrow alive). Adding the same worker again is a no-op.
  // REQUIRES: `id` is known; else FailedPrecondition.
  absl::Status AddBorrower(const ObjectID& id, const rpc::Address& borrower);
  // REQUIRES: `borrower` (by worker_id) borrows `id` from this process; else
  // FailedPrecondition.
  absl::Status RemoveBorrower(const ObjectID& id, const rpc::Address& borrower);

  // `outer`'s value holds references to `inner`: each known one gets a local
  // reference that lasts as long as `outer` (unknown ones are skipped).
  // REQUIRES: `outer` is known; else FailedPrecondition.
  absl::Status AddContained(const ObjectID& outer, const std::vector<ObjectID>& inner);

  // Copies of owned objects in shared-memory stores. Adding a known location
  // again, or removing one that is not recorded, is a no-op: these reports
  // come from raylets and may repeat or race with OnNodeDead.
  // REQUIRES: `id` is owned; else FailedPrecondition.
  absl::Status AddLocation(const ObjectID& id, const NodeID& node);
  absl::Status RemoveLocation(const ObjectID& id, const NodeID& node);
  // Empty if `id` is unknown, borrowed, or has no copy; order unspecified.
  std::vector<NodeID> Locations(const ObjectID& id) const;

  // Removes `node` from every object's locations and returns the owned objects
  // that just lost their last copy (order unspecified), for the caller to
  // rebuild from lineage or fail with ObjectLostError. Objects that had no
  // copy on `node` are not returned.
  std::vector<ObjectID> OnNodeDead(const NodeID& node);

  bool Has(const ObjectID& id) const;
  bool IsOwned(const ObjectID& id) const;
  // The owner's address: this process's for owned objects, the one given to
  // AddBorrowedObject for borrowed ones; nullopt if `id` is unknown.
  std::optional<rpc::Address> OwnerOf(const ObjectID& id) const;
  // A copy of what is known about `id`; nullopt if unknown.
  std::optional<Reference> GetReference(const ObjectID& id) const;
  int64_t NumObjects() const;
  // Owned objects with a copy in some store, and where (for freeing them all
  // when the owner shuts down).
  std::vector<std::pair<ObjectID, std::vector<NodeID>>> OwnedLocations() const;
  // One line for logs, e.g. "object 3f2a... owned size=1024 local=1
  // submitted=0 borrowers=2 locations=1 lineage=9c1e...", or "object 3f2a...
  // unknown".
  std::string DebugString(const ObjectID& id) const;

 private:
  // A reference that went out of scope, to report once the mutex is released.
  struct Released {
    ObjectID id;
    Reference info;
  };

  // If `id` is known and out of scope, erases it and appends what it was to
  // `out`, then does the same for the objects it contained.
  void ReleaseIfOutOfScope(const ObjectID& id, std::vector<Released>* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The reference for `id`, or FailedPrecondition saying `action` needs a
  // known object.
  absl::StatusOr<Reference*> Find(const ObjectID& id, const char* action) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The owned reference for `id`, or FailedPrecondition saying `action` needs
  // an owned object.
  absl::StatusOr<Reference*> FindOwned(const ObjectID& id, const char* action)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs the callback for each entry; call without holding mu_.
  void Report(std::vector<Released> released) const ABSL_LOCKS_EXCLUDED(mu_);

  const rpc::Address self_;
  const OutOfScopeCallback on_out_of_scope_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<ObjectID, Reference> refs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace photon
