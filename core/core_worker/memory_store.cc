#include "core/core_worker/memory_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace photon {

namespace {

// Returns the absolute deadline for `timeout`, or InfiniteFuture for a
// negative one.
absl::Time DeadlineFor(std::chrono::milliseconds timeout) {
  if (timeout.count() < 0) return absl::InfiniteFuture();
  return absl::Now() + absl::Milliseconds(timeout.count());
}

}  // namespace

absl::Status MemoryStore::Put(const ObjectID& id, StoredObject object) {
  auto value = std::make_shared<const StoredObject>(std::move(object));
  std::vector<Callback> callbacks;
  {
    absl::MutexLock lock(&mu_);
    if (!objects_.emplace(id, value).second) {
      return absl::AlreadyExistsError("object " + id.Hex() +
                                      " is already in the memory store; objects are immutable");
    }
    auto it = waiting_callbacks_.find(id);
    if (it != waiting_callbacks_.end()) {
      callbacks = std::move(it->second);
      waiting_callbacks_.erase(it);
    }
    auto w = waiters_.find(id);
    if (w != waiters_.end()) {
      for (Waiter* waiter : w->second) {
        if (++waiter->arrived >= waiter->needed) waiter->cv.Signal();
      }
      waiters_.erase(w);
    }
  }
  for (Callback& callback : callbacks) callback(value);
  return absl::OkStatus();
}

std::shared_ptr<const StoredObject> MemoryStore::GetIfPresent(const ObjectID& id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : it->second;
}

size_t MemoryStore::CountPresent(const std::vector<ObjectID>& ids) const {
  size_t present = 0;
  for (const ObjectID& id : ids) present += objects_.contains(id) ? 1 : 0;
  return present;
}

size_t MemoryStore::WaitForPresent(const std::vector<ObjectID>& ids, size_t wanted, absl::Time deadline) {
  while (true) {
    const size_t present = CountPresent(ids);
    if (present >= wanted || closed_) return present;
    // Sleep until enough of the missing IDs are Put: only their Puts wake us.
    Waiter waiter;
    waiter.needed = wanted - present;
    std::vector<ObjectID> registered;
    for (const ObjectID& id : ids) {
      if (objects_.contains(id)) continue;
      waiters_[id].push_back(&waiter);
      registered.push_back(id);
    }
    bool timed_out = false;
    while (waiter.arrived < waiter.needed && !timed_out && !closed_) timed_out = waiter.cv.WaitWithDeadline(&mu_, deadline);
    for (const ObjectID& id : registered) {
      auto it = waiters_.find(id);
      if (it == waiters_.end()) continue;
      auto& list = it->second;
      list.erase(std::remove(list.begin(), list.end(), &waiter), list.end());
      if (list.empty()) waiters_.erase(it);
    }
    // Recount: an object may have been deleted again meanwhile.
    if (timed_out || closed_ || absl::Now() >= deadline) return CountPresent(ids);
  }
}

absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> MemoryStore::Get(
    const std::vector<ObjectID>& ids, std::chrono::milliseconds timeout) {
  const absl::Time deadline = DeadlineFor(timeout);
  absl::MutexLock lock(&mu_);
  const size_t present = WaitForPresent(ids, ids.size(), deadline);
  if (present < ids.size() && closed_) {
    return absl::FailedPreconditionError(absl::StrCat("photon was shut down while get waited: ", ids.size() - present,
                                                      " of ", ids.size(), " objects were not ready"));
  }
  if (present < ids.size()) {
    std::string first_missing;
    for (const ObjectID& id : ids) {
      if (!objects_.contains(id)) {
        first_missing = id.Hex();
        break;
      }
    }
    return absl::DeadlineExceededError(
        std::to_string(ids.size() - present) + " of " + std::to_string(ids.size()) +
        " objects not ready after " + std::to_string(timeout.count()) +
        "ms (first missing: " + first_missing + ")");
  }
  std::vector<std::shared_ptr<const StoredObject>> values;
  values.reserve(ids.size());
  for (const ObjectID& id : ids) values.push_back(objects_.at(id));
  return values;
}

std::vector<bool> MemoryStore::Wait(const std::vector<ObjectID>& ids, int64_t num_objects,
                                    std::chrono::milliseconds timeout) {
  const size_t wanted =
      static_cast<size_t>(std::clamp<int64_t>(num_objects, 0, static_cast<int64_t>(ids.size())));
  const absl::Time deadline = DeadlineFor(timeout);
  absl::MutexLock lock(&mu_);
  WaitForPresent(ids, wanted, deadline);
  std::vector<bool> ready;
  ready.reserve(ids.size());
  for (const ObjectID& id : ids) ready.push_back(objects_.contains(id));
  return ready;
}

void MemoryStore::GetAsync(const ObjectID& id, Callback callback) {
  std::shared_ptr<const StoredObject> value;
  {
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(id);
    if (it == objects_.end()) {
      waiting_callbacks_[id].push_back(std::move(callback));
      return;
    }
    value = it->second;
  }
  callback(std::move(value));
}

size_t MemoryStore::NumPresent(const std::vector<ObjectID>& ids) const {
  absl::ReaderMutexLock lock(&mu_);
  return CountPresent(ids);
}

bool MemoryStore::Contains(const ObjectID& id) const {
  absl::ReaderMutexLock lock(&mu_);
  return objects_.contains(id);
}

void MemoryStore::Delete(const std::vector<ObjectID>& ids) {
  absl::MutexLock lock(&mu_);
  for (const ObjectID& id : ids) objects_.erase(id);
}

size_t MemoryStore::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return objects_.size();
}

bool MemoryStore::closed() const {
  absl::ReaderMutexLock lock(&mu_);
  return closed_;
}

void MemoryStore::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (auto& [id, waiting] : waiters_) {
    for (Waiter* waiter : waiting) waiter->cv.Signal();
  }
}

}  // namespace photon
