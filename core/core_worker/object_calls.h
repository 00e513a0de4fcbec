#pragma once
// ObjectCalls: put, get and wait, and the references a front end holds
// (DESIGN.md, Objects; IDs and ownership).
//
// Values up to kMaxInlineBytes live in this process's MemoryStore; larger
// ones are sealed in the local node's object store (a primary copy) and
// their locations are tracked by the ReferenceCounter. Get waits for every
// value in the MemoryStore, then reads store objects in place, pulling them
// from other nodes when needed (ObjectFetcher); a borrowed object is asked
// of its owner (BorrowedObjects).
//
//   ASSIGN_OR_RETURN(ObjectID x, objects.Put(Serialize(42)));   // holds one local reference
//   ASSIGN_OR_RETURN(auto values, objects.Get({x}, std::chrono::seconds(10)));
//   objects.RemoveLocalReference(x);                            // freed when the last one goes
//
// Failures reach Get as the error kinds of errors.h. A task whose get or
// wait has to wait gives its lease's CPUs back to the node until it goes on
// (WorkerBlocking).
//
// Thread-safe: called from user threads; Get and Wait block the caller.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/core_worker/borrowed_objects.h"
#include "core/core_worker/errors.h"
#include "core/core_worker/memory_store.h"
#include "core/core_worker/object_fetcher.h"
#include "core/core_worker/reference_counter.h"
#include "core/core_worker/worker_blocking.h"
#include "core/core_worker/worker_identity.h"
#include "object_store/object_store_client.h"

namespace photon {
namespace core {

class ObjectCalls {
 public:
  struct Deps {
    const WorkerIdentity& self;
    EventLoop& loop;
    object_store::ObjectStoreClient& store;
    ReferenceCounter& refs;
    MemoryStore& memory_store;
    ObjectFetcher& fetcher;
    BorrowedObjects& borrowed;
    // A task that has to wait gives its CPUs back meanwhile.
    WorkerBlocking& blocking;
    // Set once the process shuts down: references are no longer counted.
    const std::atomic<bool>& shut_down;
  };

  explicit ObjectCalls(Deps deps) : deps_(deps) {}

  // Every ID returned carries one local reference.
  absl::StatusOr<ObjectID> Put(const std::string& data);
  // Put of a `size`-byte value that `fill` writes into the buffer it is
  // given (shared memory for a large value: one copy in all).
  absl::StatusOr<ObjectID> PutWith(int64_t size, const std::function<void(char*)>& fill);
  // An object this process owns whose (small) value comes later, with
  // Fulfill: gets wait for it meanwhile.
  absl::StatusOr<ObjectID> CreatePending();
  absl::Status Fulfill(const ObjectID& id, std::string data);
  // Ends a pending object with an error instead: gets raise `kind`.
  absl::Status FailPending(const ObjectID& id, ErrorKind kind, const std::string& message);

  // Asked every kInterruptPeriod while a Get or Wait waits (on the waiting
  // thread, no lock held): a non-OK status ends the call with it. For a
  // front end whose user can interrupt a wait (Ctrl-C in Python).
  using Interrupt = std::function<absl::Status()>;
  static constexpr std::chrono::milliseconds kInterruptPeriod{100};

  // The values of `ids`, waiting up to `timeout` (negative: forever).
  absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> Get(const std::vector<ObjectID>& ids,
                                                                       std::chrono::milliseconds timeout,
                                                                       const Interrupt& interrupt = nullptr);
  // ready[i] for ids[i]: at least `num_returns` ready, or the timeout passed.
  absl::StatusOr<std::vector<bool>> Wait(const std::vector<ObjectID>& ids, int num_returns,
                                         std::chrono::milliseconds timeout, const Interrupt& interrupt = nullptr);

  // Objects this process owns or borrows now (tests and diagnostics).
  int64_t NumReferences() const { return deps_.refs.NumObjects(); }

  // Runs `ready` once `id` has a value here (or its error, or the entry
  // that says it is in an object store): at once in this thread if it has,
  // else in the thread that stores it; never if the process shuts down
  // first. NotFound when `id` is not known here.
  absl::Status OnReady(const ObjectID& id, std::function<void()> ready);
  void AddLocalReference(const ObjectID& id);
  void RemoveLocalReference(const ObjectID& id);
  // A reference deserialized in this process: borrow it from `owner` (no-op
  // for our own objects) and take a local reference. kNew when it was new
  // here: if it came inside a value this process read, BorrowFromOwners.
  enum class Hold { kFailed, kKnown, kNew };
  Hold AddBorrowedReference(const ObjectID& id, const rpc::Address& owner);
  // References found inside a value this process read: tells their owners
  // it borrows them, and returns once they answered (the caller still holds
  // the value, which keeps them alive until then). On the loop thread it
  // does not wait.
  void BorrowFromOwners(std::vector<ObjectID> ids);
  // `outer` (just put) holds references to `inner` in its value: they live
  // as long as it does.
  void NoteContained(const ObjectID& outer, const std::vector<ObjectID>& inner);
  // The owner of a known object (this process for owned ones).
  std::optional<rpc::Address> OwnerOf(const ObjectID& id) const { return deps_.refs.OwnerOf(id); }

 private:
  // NotFound for an unknown id; asks owners of borrowed ones not here yet.
  absl::Status CheckKnown(const ObjectID& id, const char* what);
  // Replaces store placeholders in `values` with the objects read in place.
  absl::Status FetchStoreValues(const std::vector<ObjectID>& ids, std::chrono::milliseconds timeout,
                                std::chrono::steady_clock::time_point deadline,
                                std::vector<std::shared_ptr<const StoredObject>>* values);

  const Deps deps_;
  std::atomic<uint32_t> put_index_{0};
};

}  // namespace core
}  // namespace photon
