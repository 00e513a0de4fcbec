#pragma once

// LocalStore: the object store's state and rules, without sockets.
//
// Objects live in one shared-memory region carved by an Allocator. A client
// creates an object (it is pinned for the creator), writes it in place and
// seals it; from then on it is immutable. Gets wait (up to a timeout) for
// objects that are not sealed yet, pin what they return, and clients release
// their pins. When memory runs short:
//   1. unpinned secondary copies (pulled from other nodes) and unpinned
//      in-memory copies of objects that already have a spill file are
//      evicted, least recently used first;
//   2. unpinned primary copies are spilled to disk by background threads
//      (many objects fused into one file) and their memory freed; a get of a
//      spilled object restores it transparently;
//   3. a create that still does not fit waits up to `create_grace`, then
//      fails with ResourceExhausted naming the sizes (and a disk error, if
//      spilling failed).
// A client that disconnects loses its pins, and what it created but never
// sealed is aborted.
//
//   LocalStore store(options, base, env);
//   store.Create(client, args, [](absl::StatusOr<int64_t> offset) { ... });
//   store.Seal(client, id);
//   store.Get(client, {id}, 1000, [](std::vector<LocalStore::GetResult> r) { ... });
//   store.Release(client, id);
//
// Runs only on the store thread; background work goes through `env`, which
// must have finished all of it before the store is destroyed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "object_store/allocator.h"
#include "object_store/spill/spill_file_tracker.h"
#include "proto/object_store.pb.h"

namespace photon {
namespace object_store {

using ClientId = int64_t;

class LocalStore {
 public:
  struct Options {
    int64_t capacity = 0;
    // Where spill files go; spilling is off when empty.
    std::string spill_dir;
    // Spill at least this much at a time, so small objects share files.
    int64_t min_spill_bytes = 16 << 20;
    // How long a create that does not fit waits for memory.
    std::chrono::milliseconds create_grace{10000};
  };

  // What the store needs from its surroundings (injected for tests).
  struct Env {
    // Runs `fn` on the store thread after `delay`.
    std::function<void(std::chrono::milliseconds delay, std::function<void()> fn)> run_after;
    // Runs `work` on a background thread, then `done` on the store thread.
    std::function<void(std::function<void()> work, std::function<void()> done)> run_in_background;
  };

  struct CreateArgs {
    ObjectID id;
    int64_t data_size = 0;
    int64_t metadata_size = 0;
    rpc::Address owner;
    bool primary = true;
  };

  struct GetResult {
    ObjectID id;
    bool found = false;
    int64_t offset = 0;
    int64_t data_size = 0;
    int64_t metadata_size = 0;
    std::string error;
  };

  LocalStore(Options options, uint8_t* base, Env env);
  ~LocalStore();

  // `done` gets the offset, or AlreadyExists / InvalidArgument /
  // ResourceExhausted. It may run later, when memory frees up.
  void Create(ClientId client, const CreateArgs& args, std::function<void(absl::StatusOr<int64_t>)> done);
  // FailedPrecondition unless `client` created `id` and has not sealed it.
  absl::Status Seal(ClientId client, const ObjectID& id);
  absl::Status Abort(ClientId client, const ObjectID& id);
  // `done` runs once every object is available or `timeout_ms` (-1: never)
  // passed; available objects are pinned for `client`.
  void Get(ClientId client, const std::vector<ObjectID>& ids, int64_t timeout_ms,
           std::function<void(std::vector<GetResult>)> done);
  absl::Status Release(ClientId client, const ObjectID& id);
  bool Contains(const ObjectID& id) const;
  // Deletes sealed objects now, or when their last pin goes; returns how many went now.
  int64_t Delete(const std::vector<ObjectID>& ids);
  void Disconnect(ClientId client);
  rpc::StoreStats Stats() const;

 private:
  struct Entry;
  struct PendingAlloc;
  struct PendingGet;
  struct SpillBatch;

  Entry* Find(const ObjectID& id);
  const Entry* Find(const ObjectID& id) const;
  void Touch(Entry* e);
  void Pin(Entry* e, ClientId client);
  void Unpin(Entry* e, ClientId client);
  bool Evictable(const Entry& e) const;
  bool Spillable(const Entry& e) const;
  // Allocates `size` bytes, evicting if needed; nullopt when it must wait.
  std::optional<int64_t> AllocateEvicting(int64_t size);
  void FreeMemory(Entry* e);
  void Remove(Entry* e);
  void MaybeStartSpill(int64_t bytes_needed);
  void OnSpillDone(std::unique_ptr<SpillBatch> batch);
  void StartRestore(Entry* e);
  void OnRestoreDone(const ObjectID& id, int64_t offset, absl::Status status);
  // Retries waiting allocations and gets after memory or objects changed.
  void OnMemoryFreed();
  void OnObjectChanged(const ObjectID& id);
  void ExpireAlloc(uint64_t pending_id);
  void CheckGet(uint64_t get_id, bool timed_out);
  void AllocateFor(int64_t size, std::chrono::milliseconds grace, std::function<void(absl::StatusOr<int64_t>)> done,
                   std::string what);
  std::string FullMessage(const std::string& what, int64_t size) const;

  const Options options_;
  uint8_t* const base_;
  Env env_;
  Allocator allocator_;
  SpillFileTracker spill_files_;
  absl::flat_hash_map<ObjectID, std::unique_ptr<Entry>> objects_;
  std::list<ObjectID> lru_;  // front = most recently used; sealed in-memory objects
  std::list<PendingAlloc> pending_allocs_;
  absl::flat_hash_map<uint64_t, std::unique_ptr<PendingGet>> pending_gets_;
  uint64_t next_pending_id_ = 1;
  bool spill_in_flight_ = false;  // one batch at a time
  std::string last_spill_error_;
  int64_t evicted_total_ = 0;
  int64_t spilled_total_ = 0;
  int64_t restored_total_ = 0;
  // Gets waiting for each object (which may not exist yet).
  absl::flat_hash_map<ObjectID, std::vector<uint64_t>> waiters_;
};

}  // namespace object_store
}  // namespace photon
