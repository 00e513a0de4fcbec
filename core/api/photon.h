#pragma once
// The Photon C++ API: one header for programs.
//
//   #include "core/api/photon.h"
//
//   int Plus(int a, int b) { return a + b; }
//   PHOTON_REMOTE(Plus);
//
//   int main() {
//     photon::Init();
//     photon::ObjectRef<int> sum = photon::Task(Plus).Remote(1, 2);
//     std::cout << photon::Get(sum) << "\n";   // 3
//     photon::Shutdown();
//   }
//
// Failures are thrown as the exceptions of exceptions.h.
#include <chrono>
#include <string>
#include <vector>

#include "core/api/actor.h"
#include "core/api/exceptions.h"
#include "core/api/function_registry.h"
#include "core/api/object_ref.h"
#include "core/api/placement_group.h"
#include "core/api/runtime.h"
#include "core/api/serialization.h"
#include "core/api/task_caller.h"
#include "core/core_worker/core_worker.h"
#include "core/core_worker/memory_store.h"

namespace photon {

namespace api_internal {
ObjectID PutBytes(const std::string& bytes);
std::vector<std::shared_ptr<const StoredObject>> GetBytes(const std::vector<ObjectID>& ids, int64_t timeout_ms);
std::vector<bool> WaitIds(const std::vector<ObjectID>& ids, int num_returns, int64_t timeout_ms);
[[noreturn]] void ThrowDeserializeError(const ObjectID& id, const absl::Status& status);

template <typename T>
T Decode(const ObjectID& id, std::string_view bytes) {
  absl::StatusOr<T> value = Deserialize<T>(bytes.data(), bytes.size());
  if (!value.ok()) ThrowDeserializeError(id, value.status());
  return *std::move(value);
}
}  // namespace api_internal

// Stores `value` in the cluster; this process owns it.
template <typename T>
ObjectRef<T> Put(const T& value) {
  static_assert(IsSerializable<T>::value, "photon::Put: this type cannot be serialized (see core/api/serializable.h)");
  return ObjectRef<T>::Adopt(api_internal::PutBytes(Serialize(value)));
}

// The value behind `ref`, waiting up to `timeout_ms` (-1: forever; then
// GetTimeoutError). Throws the remote failure if the task failed.
template <typename T>
T Get(const ObjectRef<T>& ref, int64_t timeout_ms = -1) {
  auto values = api_internal::GetBytes({ref.ID()}, timeout_ms);
  if constexpr (std::is_void_v<T>) {
    (void)values;
  } else {
    return api_internal::Decode<T>(ref.ID(), values[0]->bytes());
  }
}

template <typename T>
std::vector<T> Get(const std::vector<ObjectRef<T>>& refs, int64_t timeout_ms = -1) {
  std::vector<ObjectID> ids;
  ids.reserve(refs.size());
  for (const auto& r : refs) ids.push_back(r.ID());
  auto values = api_internal::GetBytes(ids, timeout_ms);
  std::vector<T> out;
  out.reserve(values.size());
  for (size_t i = 0; i < values.size(); i++) out.push_back(api_internal::Decode<T>(ids[i], values[i]->bytes()));
  return out;
}

template <typename T>
struct WaitResult {
  std::vector<ObjectRef<T>> ready;
  std::vector<ObjectRef<T>> unready;
};

// Splits `refs` into ready and not ready once `num_returns` are ready or
// `timeout_ms` passed (-1: no limit), keeping their order.
template <typename T>
WaitResult<T> Wait(const std::vector<ObjectRef<T>>& refs, int num_returns, int64_t timeout_ms = -1) {
  std::vector<ObjectID> ids;
  ids.reserve(refs.size());
  for (const auto& r : refs) ids.push_back(r.ID());
  std::vector<bool> ready = api_internal::WaitIds(ids, num_returns, timeout_ms);
  WaitResult<T> out;
  for (size_t i = 0; i < refs.size(); i++) (ready[i] ? out.ready : out.unready).push_back(refs[i]);
  return out;
}

// Cancels the task making `ref`: a queued task never runs; a running one is
// stopped only with `force` (its worker is ended). Get then throws
// TaskCancelledError. Throws photon::Error when the task already finished.
template <typename T>
void Cancel(const ObjectRef<T>& ref, bool force = false) {
  api_internal::ThrowIfError(api_internal::Worker().tasks().Cancel(ref.ID(), force));
}

}  // namespace photon
