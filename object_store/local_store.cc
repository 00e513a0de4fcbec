#include "object_store/local_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "object_store/spill/spill_file.h"

namespace photon {
namespace object_store {

struct LocalStore::Entry {
  ObjectID id;
  int64_t data_size = 0;
  int64_t metadata_size = 0;
  rpc::Address owner;
  bool primary = true;
  ClientId creator = 0;
  bool sealed = false;
  int64_t offset = -1;  // -1: not in memory
  absl::flat_hash_map<ClientId, int> pins;
  int total_pins = 0;
  // Spill or restore in flight: the memory must stay.
  bool busy = false;
  bool delete_pending = false;
  std::optional<SpillLocation> spilled;
  std::string error;  // set when a restore failed: the object is lost
  std::list<ObjectID>::iterator lru;
  bool in_lru = false;

  int64_t size() const { return data_size + metadata_size; }
  bool in_memory() const { return offset >= 0; }
};

struct LocalStore::PendingAlloc {
  uint64_t id;
  int64_t size;
  std::function<void(absl::StatusOr<int64_t>)> done;
  std::string what;
};

struct LocalStore::PendingGet {
  ClientId client;
  std::vector<ObjectID> ids;
  std::function<void(std::vector<GetResult>)> done;
};

struct LocalStore::SpillBatch {
  std::vector<ObjectID> ids;
  std::vector<SpillItem> items;
  int64_t bytes = 0;
  absl::StatusOr<std::vector<SpillLocation>> result = absl::UnknownError("not run");
};

LocalStore::LocalStore(Options options, uint8_t* base, Env env)
    : options_(std::move(options)), base_(base), env_(std::move(env)), allocator_(options_.capacity) {}

LocalStore::~LocalStore() = default;

LocalStore::Entry* LocalStore::Find(const ObjectID& id) {
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : it->second.get();
}

const LocalStore::Entry* LocalStore::Find(const ObjectID& id) const {
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : it->second.get();
}

void LocalStore::Touch(Entry* e) {
  if (e->in_lru) lru_.erase(e->lru);
  lru_.push_front(e->id);
  e->lru = lru_.begin();
  e->in_lru = true;
}

void LocalStore::Pin(Entry* e, ClientId client) {
  e->pins[client]++;
  e->total_pins++;
}

void LocalStore::Unpin(Entry* e, ClientId client) {
  auto it = e->pins.find(client);
  if (it == e->pins.end()) return;
  e->total_pins--;
  if (--it->second == 0) e->pins.erase(it);
}

bool LocalStore::Evictable(const Entry& e) const {
  return e.sealed && e.in_memory() && e.total_pins == 0 && !e.busy &&
         (!e.primary || e.spilled.has_value());
}

bool LocalStore::Spillable(const Entry& e) const {
  return e.sealed && e.in_memory() && e.total_pins == 0 && !e.busy && e.primary &&
         !e.spilled.has_value() && !options_.spill_dir.empty();
}

void LocalStore::FreeMemory(Entry* e) {
  if (!e->in_memory()) return;
  allocator_.Free(e->offset);
  e->offset = -1;
  if (e->in_lru) {
    lru_.erase(e->lru);
    e->in_lru = false;
  }
}

void LocalStore::Remove(Entry* e) {
  FreeMemory(e);
  if (e->spilled.has_value()) {
    absl::Status removed = spill_files_.ReleaseObject(e->spilled->path);
    if (!removed.ok()) PHOTON_LOG(WARNING) << "spill file cleanup: " << removed.message();
  }
  objects_.erase(e->id);
}

std::optional<int64_t> LocalStore::AllocateEvicting(int64_t size) {
  while (true) {
    if (auto offset = allocator_.Allocate(size)) return offset;
    Entry* victim = nullptr;
    for (auto it = lru_.rbegin(); it != lru_.rend(); ++it) {
      Entry* e = Find(*it);
      if (e != nullptr && Evictable(*e)) {
        victim = e;
        break;
      }
    }
    if (victim == nullptr) return std::nullopt;
    evicted_total_ += victim->size();
    if (victim->primary) {
      FreeMemory(victim);  // its spill file keeps it
    } else {
      Remove(victim);
    }
  }
}

std::string LocalStore::FullMessage(const std::string& what, int64_t size) const {
  int64_t pinned = 0;
  for (const auto& [id, e] : objects_) {
    if (e->in_memory() && (e->total_pins > 0 || e->busy)) pinned += Allocator::Rounded(e->size());
  }
  std::string msg = absl::StrCat("object store full: cannot ", what, " of ", size,
                                 " bytes; the store's capacity is ", options_.capacity, " bytes, ",
                                 allocator_.used(), " in use, ", pinned, " pinned");
  if (options_.spill_dir.empty()) absl::StrAppend(&msg, "; spilling is off");
  if (!last_spill_error_.empty()) absl::StrAppend(&msg, "; spilling failed: ", last_spill_error_);
  return msg;
}

void LocalStore::AllocateFor(int64_t size, std::chrono::milliseconds grace,
                             std::function<void(absl::StatusOr<int64_t>)> done, std::string what) {
  if (Allocator::Rounded(size) > allocator_.capacity()) {
    done(absl::ResourceExhaustedError(absl::StrCat("cannot ", what, " of ", size,
                                                   " bytes: larger than the object store's capacity of ",
                                                   options_.capacity, " bytes")));
    return;
  }
  if (pending_allocs_.empty()) {
    if (auto offset = AllocateEvicting(size)) {
      done(*offset);
      return;
    }
  }
  uint64_t id = next_pending_id_++;
  pending_allocs_.push_back(PendingAlloc{id, size, std::move(done), std::move(what)});
  MaybeStartSpill(size);
  env_.run_after(grace, [this, id] { ExpireAlloc(id); });
}

void LocalStore::ExpireAlloc(uint64_t pending_id) {
  for (auto it = pending_allocs_.begin(); it != pending_allocs_.end(); ++it) {
    if (it->id != pending_id) continue;
    PendingAlloc pending = std::move(*it);
    pending_allocs_.erase(it);
    pending.done(absl::ResourceExhaustedError(FullMessage(pending.what, pending.size)));
    OnMemoryFreed();  // the queue head changed
    return;
  }
}

void LocalStore::OnMemoryFreed() {
  while (!pending_allocs_.empty()) {
    PendingAlloc& head = pending_allocs_.front();
    std::optional<int64_t> offset = AllocateEvicting(head.size);
    if (!offset) {
      MaybeStartSpill(head.size);
      return;
    }
    PendingAlloc pending = std::move(head);
    pending_allocs_.pop_front();
    pending.done(*offset);
  }
}

void LocalStore::Create(ClientId client, const CreateArgs& args,
                        std::function<void(absl::StatusOr<int64_t>)> done) {
  if (args.data_size < 0 || args.metadata_size < 0) {
    done(absl::InvalidArgumentError(absl::StrCat("object ", args.id.Hex(), ": negative size")));
    return;
  }
  if (Find(args.id) != nullptr) {
    done(absl::AlreadyExistsError("object " + args.id.Hex() + " already exists in the store"));
    return;
  }
  // The entry exists from now on, so a second create of the same id is refused
  // even while this one waits for memory.
  auto entry = std::make_unique<Entry>();
  entry->id = args.id;
  entry->data_size = args.data_size;
  entry->metadata_size = args.metadata_size;
  entry->owner = args.owner;
  entry->primary = args.primary;
  entry->creator = client;
  entry->busy = true;  // not in memory yet
  objects_[args.id] = std::move(entry);
  const ObjectID id = args.id;
  AllocateFor(args.data_size + args.metadata_size, options_.create_grace,
              [this, id, client, done = std::move(done)](absl::StatusOr<int64_t> offset) {
                Entry* e = Find(id);
                if (e == nullptr || e->creator != client || e->sealed) {
                  // Aborted (or the client left) while waiting.
                  if (offset.ok()) {
                    allocator_.Free(*offset);
                    OnMemoryFreed();
                  }
                  done(absl::AbortedError("create of object " + id.Hex() + " was aborted"));
                  return;
                }
                if (!offset.ok()) {
                  objects_.erase(id);
                  done(offset.status());
                  return;
                }
                e->offset = *offset;
                e->busy = false;
                Pin(e, client);
                done(*offset);
              },
              "create object " + args.id.Hex());
}

absl::Status LocalStore::Seal(ClientId client, const ObjectID& id) {
  Entry* e = Find(id);
  if (e == nullptr) return absl::NotFoundError("seal: object " + id.Hex() + " does not exist");
  if (e->sealed) return absl::FailedPreconditionError("seal: object " + id.Hex() + " is already sealed");
  if (e->creator != client || !e->in_memory()) {
    return absl::FailedPreconditionError("seal: object " + id.Hex() + " was not created by this client");
  }
  e->sealed = true;
  Touch(e);
  OnObjectChanged(id);
  return absl::OkStatus();
}

absl::Status LocalStore::Abort(ClientId client, const ObjectID& id) {
  Entry* e = Find(id);
  if (e == nullptr) return absl::NotFoundError("abort: object " + id.Hex() + " does not exist");
  if (e->sealed || e->creator != client) {
    return absl::FailedPreconditionError("abort: object " + id.Hex() + " is sealed or not this client's");
  }
  if (!e->in_memory()) {
    objects_.erase(id);  // still waiting for memory: its callback sees it gone
    return absl::OkStatus();
  }
  Remove(e);
  OnMemoryFreed();
  return absl::OkStatus();
}

void LocalStore::Get(ClientId client, const std::vector<ObjectID>& ids, int64_t timeout_ms,
                     std::function<void(std::vector<GetResult>)> done) {
  uint64_t get_id = next_pending_id_++;
  pending_gets_[get_id] = std::make_unique<PendingGet>(PendingGet{client, ids, std::move(done)});
  for (const ObjectID& id : ids) waiters_[id].push_back(get_id);
  CheckGet(get_id, /*timed_out=*/timeout_ms == 0);
  if (timeout_ms > 0 && pending_gets_.contains(get_id)) {
    env_.run_after(std::chrono::milliseconds(timeout_ms), [this, get_id] { CheckGet(get_id, true); });
  }
}

void LocalStore::CheckGet(uint64_t get_id, bool timed_out) {
  auto it = pending_gets_.find(get_id);
  if (it == pending_gets_.end()) return;
  PendingGet& get = *it->second;
  bool all_ready = true;
  for (const ObjectID& id : get.ids) {
    Entry* e = Find(id);
    if (e != nullptr && e->sealed && !e->in_memory() && !e->busy && e->spilled && e->error.empty()) {
      StartRestore(e);
    }
    bool ready = e != nullptr && e->sealed && ((e->in_memory() && !e->busy) || !e->error.empty());
    all_ready = all_ready && ready;
  }
  if (!all_ready && !timed_out) return;
  std::unique_ptr<PendingGet> finished = std::move(it->second);
  pending_gets_.erase(it);
  std::vector<GetResult> results;
  for (const ObjectID& id : finished->ids) {
    GetResult r;
    r.id = id;
    Entry* e = Find(id);
    if (e != nullptr && e->sealed && !e->error.empty()) {
      r.error = e->error;
    } else if (e != nullptr && e->sealed && e->in_memory() && !e->busy) {
      r.found = true;
      r.offset = e->offset;
      r.data_size = e->data_size;
      r.metadata_size = e->metadata_size;
      Pin(e, finished->client);
      Touch(e);
    }
    results.push_back(std::move(r));
    auto w = waiters_.find(id);
    if (w != waiters_.end()) {
      auto& v = w->second;
      v.erase(std::remove(v.begin(), v.end(), get_id), v.end());
      if (v.empty()) waiters_.erase(w);
    }
  }
  finished->done(std::move(results));
}

void LocalStore::OnObjectChanged(const ObjectID& id) {
  auto w = waiters_.find(id);
  if (w == waiters_.end()) return;
  std::vector<uint64_t> gets = w->second;  // CheckGet edits the list
  for (uint64_t get_id : gets) CheckGet(get_id, false);
}

absl::Status LocalStore::Release(ClientId client, const ObjectID& id) {
  Entry* e = Find(id);
  if (e == nullptr || !e->pins.contains(client)) {
    return absl::FailedPreconditionError("release: this client holds no pin on object " + id.Hex());
  }
  Unpin(e, client);
  if (e->total_pins == 0 && e->delete_pending && !e->busy) {
    Remove(e);
  }
  OnMemoryFreed();
  return absl::OkStatus();
}

bool LocalStore::Contains(const ObjectID& id) const {
  const Entry* e = Find(id);
  return e != nullptr && e->sealed && e->error.empty() && (e->in_memory() || e->spilled.has_value());
}

int64_t LocalStore::Delete(const std::vector<ObjectID>& ids) {
  int64_t deleted = 0;
  for (const ObjectID& id : ids) {
    Entry* e = Find(id);
    if (e == nullptr || !e->sealed) continue;
    if (e->total_pins > 0 || e->busy) {
      e->delete_pending = true;
      continue;
    }
    Remove(e);
    deleted++;
  }
  if (deleted > 0) OnMemoryFreed();
  return deleted;
}

void LocalStore::Disconnect(ClientId client) {
  std::vector<ObjectID> aborted;
  std::vector<ObjectID> unpinned;
  for (auto& [id, e] : objects_) {
    if (!e->sealed && e->creator == client) aborted.push_back(id);
    if (e->pins.contains(client)) unpinned.push_back(id);
  }
  for (const ObjectID& id : unpinned) {
    Entry* e = Find(id);
    while (e->pins.contains(client)) Unpin(e, client);
    if (e->total_pins == 0 && e->delete_pending && !e->busy) Remove(e);
  }
  for (const ObjectID& id : aborted) {
    if (Entry* e = Find(id)) {
      PHOTON_LOG(INFO) << "aborting object " << id.Hex() << ": its creator disconnected before sealing";
      if (e->in_memory()) Remove(e);
      else objects_.erase(id);
    }
  }
  // Its gets are answered by nobody now: drop them, and their waiter entries.
  for (auto it = pending_gets_.begin(); it != pending_gets_.end();) {
    if (it->second->client != client) {
      ++it;
      continue;
    }
    for (const ObjectID& id : it->second->ids) {
      auto w = waiters_.find(id);
      if (w == waiters_.end()) continue;
      auto& v = w->second;
      v.erase(std::remove(v.begin(), v.end(), it->first), v.end());
      if (v.empty()) waiters_.erase(w);
    }
    pending_gets_.erase(it++);
  }
  OnMemoryFreed();
}

void LocalStore::MaybeStartSpill(int64_t bytes_needed) {
  if (options_.spill_dir.empty() || spill_in_flight_) return;
  auto batch = std::make_unique<SpillBatch>();
  const int64_t target = std::max(bytes_needed, options_.min_spill_bytes);
  for (auto it = lru_.rbegin(); it != lru_.rend() && batch->bytes < target; ++it) {
    Entry* e = Find(*it);
    if (e == nullptr || !Spillable(*e)) continue;
    e->busy = true;
    batch->ids.push_back(e->id);
    batch->items.push_back(SpillItem{e->id, base_ + e->offset, e->size()});
    batch->bytes += e->size();
  }
  if (batch->ids.empty()) return;
  spill_in_flight_ = true;
  SpillBatch* raw = batch.release();
  const std::string dir = options_.spill_dir;
  env_.run_in_background([raw, dir] { raw->result = WriteSpillFile(dir, raw->items); },
                         [this, raw] { OnSpillDone(std::unique_ptr<SpillBatch>(raw)); });
}

void LocalStore::OnSpillDone(std::unique_ptr<SpillBatch> batch) {
  spill_in_flight_ = false;
  if (batch->result.ok()) {
    last_spill_error_.clear();
    spill_files_.AddFile((*batch->result)[0].path, static_cast<int>(batch->ids.size()), batch->bytes);
    spilled_total_ += batch->bytes;
  } else {
    last_spill_error_ = std::string(batch->result.status().message());
    PHOTON_LOG(ERROR) << "spilling " << batch->ids.size() << " objects failed: " << last_spill_error_;
  }
  for (size_t i = 0; i < batch->ids.size(); i++) {
    Entry* e = Find(batch->ids[i]);
    e->busy = false;
    if (!batch->result.ok()) continue;
    e->spilled = (*batch->result)[i];
    if (e->delete_pending && e->total_pins == 0) {
      Remove(e);
    } else if (e->total_pins == 0) {
      FreeMemory(e);
    }
  }
  if (batch->result.ok()) {
    OnMemoryFreed();
  } else {
    // Nothing was freed; creates keep waiting until their grace ends.
  }
}

void LocalStore::StartRestore(Entry* e) {
  e->busy = true;
  const ObjectID id = e->id;
  const int64_t size = e->size();
  AllocateFor(size, std::chrono::hours(24 * 365),
              [this, id](absl::StatusOr<int64_t> offset) {
                Entry* entry = Find(id);
                if (!offset.ok() || entry == nullptr) {
                  if (offset.ok()) allocator_.Free(*offset);
                  if (entry != nullptr) OnRestoreDone(id, -1, offset.status());
                  return;
                }
                SpillLocation location = *entry->spilled;
                auto status = std::make_shared<absl::Status>();
                uint8_t* dest = base_ + *offset;
                int64_t off = *offset;
                env_.run_in_background(
                    [location, id, dest, status] { *status = ReadSpilled(location, id, dest); },
                    [this, id, off, status] { OnRestoreDone(id, off, *status); });
              },
              "restore object " + id.Hex());
}

void LocalStore::OnRestoreDone(const ObjectID& id, int64_t offset, absl::Status status) {
  Entry* e = Find(id);
  e->busy = false;
  if (!status.ok()) {
    if (offset >= 0) allocator_.Free(offset);
    e->error = "object " + id.Hex() + " could not be restored from disk: " + std::string(status.message());
    PHOTON_LOG(ERROR) << e->error;
  } else {
    e->offset = offset;
    restored_total_ += e->size();
    Touch(e);
  }
  OnObjectChanged(id);
  if (e->delete_pending && e->total_pins == 0) Remove(e);
  OnMemoryFreed();
}

rpc::StoreStats LocalStore::Stats() const {
  rpc::StoreStats stats;
  stats.set_capacity(options_.capacity);
  stats.set_used_bytes(allocator_.used());
  int64_t pinned = 0, spilled = 0, num_spilled = 0;
  for (const auto& [id, e] : objects_) {
    if (e->in_memory() && e->total_pins > 0) pinned += e->size();
    if (e->spilled.has_value()) {
      spilled += e->size();
      num_spilled++;
    }
  }
  stats.set_pinned_bytes(pinned);
  stats.set_spilled_bytes(spilled);
  stats.set_num_objects(static_cast<int64_t>(objects_.size()));
  stats.set_num_spilled_objects(num_spilled);
  stats.set_evicted_bytes_total(evicted_total_);
  stats.set_spilled_bytes_total(spilled_total_);
  stats.set_restored_bytes_total(restored_total_);
  return stats;
}

}  // namespace object_store
}  // namespace photon
