#pragma once

// MemoryStore: the owner's in-process table of object values.
//
// Every driver and worker keeps one. It holds the values of small objects
// (task results of at most 100 KiB travel inline in the task reply and land
// here; the caller enforces that limit, the store does not), error markers
// for objects whose task failed (the caller encodes them in `metadata`), and
// placeholders for objects whose value lives in a node's shared-memory store
// (`in_object_store`; ask the ReferenceCounter where).
//
//   MemoryStore store;
//   RETURN_IF_ERROR(store.Put(id, StoredObject{"bytes", "", false}));
//   ASSIGN_OR_RETURN(auto values, store.Get({id}, std::chrono::milliseconds(100)));
//   store.GetAsync(other, [](std::shared_ptr<const StoredObject> v) { ... });
//
// Objects are immutable: a second Put of the same ID fails and the first value
// stays. Values are handed out as `shared_ptr<const StoredObject>` so readers
// never copy the bytes, and a value stays valid for its reader after Delete.
//
// Thread-safe. Blocking calls (Get, Wait) wait on a condition variable and
// release the lock meanwhile. Callbacks never run under the store's lock, so
// they may call back into the store.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "core/common/id.h"

namespace photon {
namespace core {

// Values up to this size travel inline (in task specs and replies) and live
// in their owner's MemoryStore; larger ones live in a node's object store.
// The Python package reads it through photon._core.
inline constexpr int64_t kMaxInlineBytes = 100 << 10;

}  // namespace core

struct StoredObject {
  // The serialized value; empty for an error marker or an object-store placeholder.
  std::string data;
  // Caller-defined; carries an error marker (e.g. the serialized TaskError).
  std::string metadata;
  // True when the value lives in the shared-memory store of some node: ask the
  // location table (ReferenceCounter::Locations) where.
  bool in_object_store = false;
  // A value read in place from this node's shared-memory store (what Get
  // returns for large objects): `view` points into the store's mapping and
  // stays valid, the object pinned, while `pin` lives. Empty otherwise.
  std::string_view view;
  std::shared_ptr<const void> pin;

  // The value's bytes, wherever they are.
  std::string_view bytes() const { return pin ? view : std::string_view(data); }
};

class MemoryStore {
 public:
  using Callback = std::function<void(std::shared_ptr<const StoredObject>)>;

  // A negative timeout (conventionally -1 ms) waits forever; 0 does not wait.
  static constexpr std::chrono::milliseconds kForever{-1};

  MemoryStore() = default;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  // Stores `object` under `id`, wakes blocked Get/Wait calls and runs the
  // GetAsync callbacks waiting for `id`, in the calling thread after the lock
  // is released, in the order they were registered.
  // Fails with AlreadyExists (and keeps the old value) if `id` is present.
  absl::Status Put(const ObjectID& id, StoredObject object);

  // The value of `id`, or nullptr if it is not present. Never blocks.
  std::shared_ptr<const StoredObject> GetIfPresent(const ObjectID& id) const;

  // Blocks until every object in `ids` is present, then returns their values in
  // the order of `ids` (a repeated ID appears repeatedly). Fails with
  // DeadlineExceeded, "2 of 5 objects not ready after 100ms (first missing:
  // <hex>)", when `timeout` passes first. An object deleted while the call
  // waits counts as missing again.
  absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> Get(
      const std::vector<ObjectID>& ids, std::chrono::milliseconds timeout);

  // Blocks until at least `num_objects` entries of `ids` are present or
  // `timeout` passes, whichever comes first, and returns which entries are
  // present at that moment (ready[i] is for ids[i]; repeated IDs count once
  // per entry). `num_objects` is clamped to [0, ids.size()]; a timeout is not
  // an error, the caller reads the result.
  std::vector<bool> Wait(const std::vector<ObjectID>& ids, int64_t num_objects,
                         std::chrono::milliseconds timeout);

  // Runs `callback` with the value of `id`: at once, in this thread, if it is
  // present; otherwise in the thread that Puts it. Callbacks waiting for an ID
  // survive a Delete of it and fire on a later Put; they are dropped, never
  // run, if the store is destroyed first.
  void GetAsync(const ObjectID& id, Callback callback);

  bool Contains(const ObjectID& id) const;
  // How many of `ids` are present (a repeated ID counts each time).
  size_t NumPresent(const std::vector<ObjectID>& ids) const;

  // Forgets the values of `ids`; IDs not present are ignored. Readers holding
  // a value keep it.
  void Delete(const std::vector<ObjectID>& ids);

  // The number of objects present.
  size_t size() const;

  // The process is shutting down: wakes every Get and Wait blocked now and
  // makes later ones return at once (Get fails with FailedPrecondition,
  // "photon was shut down while get waited: ...", Wait answers with what
  // is present). Put and GetIfPresent go on working.
  void Close();
  bool closed() const;

 private:
  // How many entries of `ids` are present.
  size_t CountPresent(const std::vector<ObjectID>& ids) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // A blocked Get or Wait: woken once `needed` of the IDs it waits for arrive.
  struct Waiter {
    absl::CondVar cv;
    size_t needed = 0;
    size_t arrived = 0;
  };
  // Blocks until `wanted` entries of `ids` are present or `deadline`; returns
  // how many are present.
  size_t WaitForPresent(const std::vector<ObjectID>& ids, size_t wanted, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::flat_hash_map<ObjectID, std::vector<Waiter*>> waiters_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<ObjectID, std::shared_ptr<const StoredObject>> objects_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<ObjectID, std::vector<Callback>> waiting_callbacks_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace photon
