#include "core/core_worker/object_calls.h"

#include <algorithm>
#include <future>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/common/memcopy.h"
#include "core/common/status_macros.h"
#include "core/core_worker/errors.h"

namespace photon {
namespace core {
namespace {

// What is left of `timeout` (negative: forever) until `deadline`.
std::chrono::milliseconds RemainingUntil(std::chrono::steady_clock::time_point deadline,
                                         std::chrono::milliseconds timeout) {
  if (timeout.count() < 0) return MemoryStore::kForever;
  return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                    deadline - std::chrono::steady_clock::now()));
}

// The kGetTimeout error of a get of `total` objects, `wanted` of them waited for.
absl::Status GetTimedOut(const MemoryStore& memory_store, const std::vector<ObjectID>& wanted, size_t total,
                         std::chrono::milliseconds timeout) {
  size_t missing = 0;
  for (const ObjectID& id : wanted) missing += memory_store.Contains(id) ? 0 : 1;
  return ErrorStatus(ErrorKind::kGetTimeout, absl::StrCat("get timed out after ", timeout.count(), " ms: ", missing,
                                                          " of ", total, " objects not ready (first: ",
                                                          wanted[0].Hex(), ")"));
}

// One wait of at most `left`: kInterruptPeriod when it may be interrupted.
std::chrono::milliseconds Slice(std::chrono::milliseconds left, const ObjectCalls::Interrupt& interrupt) {
  if (!interrupt) return left;
  return left.count() < 0 ? ObjectCalls::kInterruptPeriod : std::min(left, ObjectCalls::kInterruptPeriod);
}

}  // namespace

absl::StatusOr<ObjectID> ObjectCalls::Put(const std::string& data) {
  return PutWith(static_cast<int64_t>(data.size()), [&data](char* out) { CopyMemory(out, data.data(), data.size()); });
}

absl::StatusOr<ObjectID> ObjectCalls::PutWith(int64_t size, const std::function<void(char*)>& fill) {
  if (size < 0) return absl::InvalidArgumentError(absl::StrCat("put: negative size ", size));
  const ObjectID id = ObjectID::FromIndex(deps_.self.put_task, ++put_index_);
  const bool large = size > kMaxInlineBytes;
  std::string small;
  if (large) {
    // Written once, straight into shared memory.
    ASSIGN_OR_RETURN(object_store::MutableObject obj, deps_.store.Create(id, size, 0, deps_.self.address));
    fill(reinterpret_cast<char*>(obj.data));
    RETURN_IF_ERROR(deps_.store.Seal(id));
    RETURN_IF_ERROR(deps_.store.Release(id));
  } else {
    small.resize(size);
    fill(small.data());
  }
  RETURN_IF_ERROR(deps_.refs.AddOwnedObject(id, size, std::nullopt));
  RETURN_IF_ERROR(deps_.refs.AddLocalReference(id));
  if (large) {
    RETURN_IF_ERROR(deps_.refs.AddLocation(id, deps_.self.node_id));
    RETURN_IF_ERROR(deps_.memory_store.Put(id, StoredObject{"", "", true}));
  } else {
    RETURN_IF_ERROR(deps_.memory_store.Put(id, StoredObject{std::move(small), "", false}));
  }
  return id;
}

absl::StatusOr<ObjectID> ObjectCalls::CreatePending() {
  const ObjectID id = ObjectID::FromIndex(deps_.self.put_task, ++put_index_);
  RETURN_IF_ERROR(deps_.refs.AddOwnedObject(id, -1, std::nullopt));
  RETURN_IF_ERROR(deps_.refs.AddLocalReference(id));
  return id;
}

absl::Status ObjectCalls::Fulfill(const ObjectID& id, std::string data) {
  if (!deps_.refs.IsOwned(id)) return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not owned here"));
  if (static_cast<int64_t>(data.size()) > kMaxInlineBytes) {
    return absl::InvalidArgumentError(absl::StrCat("fulfill: ", data.size(), " bytes is over the inline limit"));
  }
  return deps_.memory_store.Put(id, StoredObject{std::move(data), "", false});
}

absl::Status ObjectCalls::FailPending(const ObjectID& id, ErrorKind kind, const std::string& message) {
  if (!deps_.refs.IsOwned(id)) return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not owned here"));
  return deps_.memory_store.Put(id, ErrorObject(kind, message));
}

absl::Status ObjectCalls::CheckKnown(const ObjectID& id, const char* detail) {
  if (!deps_.refs.Has(id)) {
    return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not known to this process", detail));
  }
  if (!deps_.refs.IsOwned(id) && deps_.memory_store.GetIfPresent(id) == nullptr) deps_.borrowed.RequestStatus(id);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> ObjectCalls::Get(const std::vector<ObjectID>& ids,
                                                                                  std::chrono::milliseconds timeout,
                                                                                  const Interrupt& interrupt) {
  for (const ObjectID& id : ids) RETURN_IF_ERROR(CheckKnown(id, " (freed, or never created here)"));
  const auto deadline = timeout.count() < 0 ? std::chrono::steady_clock::time_point::max()
                                            : std::chrono::steady_clock::now() + timeout;
  WorkerBlocking::Scope blocked =
      deps_.blocking.BlockIf([&] { return deps_.memory_store.NumPresent(ids) < ids.size(); });
  // One wait for all of them (in slices when it may be interrupted), then
  // fetch what lives in object stores.
  absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> all;
  while (true) {
    all = deps_.memory_store.Get(ids, Slice(RemainingUntil(deadline, timeout), interrupt));
    if (all.ok() || !absl::IsDeadlineExceeded(all.status())) break;
    if (!interrupt || std::chrono::steady_clock::now() >= deadline) return GetTimedOut(deps_.memory_store, ids, ids.size(), timeout);
    RETURN_IF_ERROR(interrupt());
  }
  if (!all.ok()) return all.status();
  std::vector<std::shared_ptr<const StoredObject>> out = *std::move(all);
  RETURN_IF_ERROR(FetchStoreValues(ids, timeout, deadline, &out));
  return out;
}

absl::Status ObjectCalls::FetchStoreValues(const std::vector<ObjectID>& ids, std::chrono::milliseconds timeout,
                                           std::chrono::steady_clock::time_point deadline,
                                           std::vector<std::shared_ptr<const StoredObject>>* values) {
  for (size_t i = 0; i < ids.size(); i++) {
    while (true) {
      std::shared_ptr<const StoredObject> value = (*values)[i];
      const ErrorKind kind = ErrorKindOfObject(*value);
      if (kind != ErrorKind::kNone) return ErrorStatus(kind, value->data, ErrorValueOfObject(*value));
      if (!value->in_object_store) break;
      ASSIGN_OR_RETURN(std::shared_ptr<const StoredObject> fetched, deps_.fetcher.Fetch(ids[i], deadline));
      if (fetched) {
        (*values)[i] = std::move(fetched);
        break;
      }
      // Being rebuilt: wait for its new value.
      absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> again =
          deps_.memory_store.Get({ids[i]}, RemainingUntil(deadline, timeout));
      if (!again.ok()) return GetTimedOut(deps_.memory_store, {ids[i]}, ids.size(), timeout);
      (*values)[i] = (*again)[0];
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<bool>> ObjectCalls::Wait(const std::vector<ObjectID>& ids, int num_returns,
                                                    std::chrono::milliseconds timeout, const Interrupt& interrupt) {
  if (num_returns < 0 || static_cast<size_t>(num_returns) > ids.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("wait: num_returns is ", num_returns, " but ", ids.size(), " references were given"));
  }
  absl::flat_hash_set<ObjectID> seen;
  for (const ObjectID& id : ids) {
    if (!seen.insert(id).second) return absl::InvalidArgumentError("wait: object " + id.Hex() + " is listed twice");
    RETURN_IF_ERROR(CheckKnown(id, ""));
  }
  WorkerBlocking::Scope blocked = deps_.blocking.BlockIf(
      [&] { return deps_.memory_store.NumPresent(ids) < static_cast<size_t>(num_returns); });
  const auto deadline = timeout.count() < 0 ? std::chrono::steady_clock::time_point::max()
                                            : std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::vector<bool> ready = deps_.memory_store.Wait(ids, num_returns, Slice(RemainingUntil(deadline, timeout), interrupt));
    if (std::count(ready.begin(), ready.end(), true) >= num_returns || !interrupt ||
        std::chrono::steady_clock::now() >= deadline || deps_.memory_store.closed()) {
      return ready;
    }
    RETURN_IF_ERROR(interrupt());
  }
}

void ObjectCalls::AddLocalReference(const ObjectID& id) {
  absl::Status s = deps_.refs.AddLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

void ObjectCalls::RemoveLocalReference(const ObjectID& id) {
  if (deps_.shut_down) return;
  absl::Status s = deps_.refs.RemoveLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

absl::Status ObjectCalls::OnReady(const ObjectID& id, std::function<void()> ready) {
  RETURN_IF_ERROR(CheckKnown(id, " (freed, or never created here)"));
  deps_.memory_store.GetAsync(id, [ready = std::move(ready)](std::shared_ptr<const StoredObject>) { ready(); });
  return absl::OkStatus();
}

ObjectCalls::Hold ObjectCalls::AddBorrowedReference(const ObjectID& id, const rpc::Address& owner) {
  const bool known = deps_.refs.Has(id);
  absl::Status s = deps_.refs.AddBorrowedObject(id, owner);
  if (s.ok()) s = deps_.refs.AddLocalReference(id);
  if (!s.ok()) {
    PHOTON_LOG(WARNING) << s;
    return Hold::kFailed;
  }
  return known ? Hold::kKnown : Hold::kNew;
}

void ObjectCalls::BorrowFromOwners(std::vector<ObjectID> ids) {
  if (ids.empty() || deps_.shut_down) return;
  if (deps_.loop.InLoopThread()) return deps_.borrowed.Borrow(std::move(ids), [] {});
  auto answered = std::make_shared<std::promise<void>>();
  std::future<void> done = answered->get_future();
  deps_.borrowed.Borrow(std::move(ids), [answered] { answered->set_value(); });
  // (The owners' calls end within their deadlines; a loop stopped by
  // shutdown drops them.)
  while (done.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready && !deps_.shut_down) {
  }
}

void ObjectCalls::NoteContained(const ObjectID& outer, const std::vector<ObjectID>& inner) {
  if (inner.empty()) return;
  absl::Status s = deps_.refs.AddContained(outer, inner);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

}  // namespace core
}  // namespace photon
