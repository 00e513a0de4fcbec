#pragma once
// The failures a get can report, and how they are recorded for an object.
//
// A failed object is kept in the owner's MemoryStore like a value: `metadata`
// holds the kind's name and `data` the message. Get turns it back into an
// absl::Status whose payload names the kind, so the C++ API can throw the
// matching exception type (photon::TaskError, photon::WorkerCrashedError...).
//
//   StoredObject failed = ErrorObject(ErrorKind::kWorkerCrashed, "worker 3f.. died");
//   absl::Status s = ErrorStatus(failed);       // Unknown/Unavailable... with a payload
//   ErrorKind kind = ErrorKindOf(s);            // kWorkerCrashed
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "core/core_worker/memory_store.h"

namespace photon {
namespace core {

enum class ErrorKind {
  kNone,
  // The task's function threw, or its arguments did not deserialize.
  kTaskError,
  // The worker running the task died (and retries ran out).
  kWorkerCrashed,
  // The node running the task died (and retries ran out).
  kNodeDied,
  // Every copy of the object is gone and it cannot be rebuilt.
  kObjectLost,
  // The process that owns the object is gone.
  kOwnerDied,
  kTaskCancelled,
  // Get or Wait ran out of time.
  kGetTimeout,
  // The task could not be scheduled or its worker could not start.
  kScheduling,
  // The actor a call went to is dead (or died running it, retries spent).
  kActorDied,
};

const char* ErrorKindName(ErrorKind kind);
std::optional<ErrorKind> ErrorKindFromName(const std::string& name);

// The marker stored for an object that failed with `kind`.
StoredObject ErrorObject(ErrorKind kind, const std::string& message);
// kNone unless `object` is an error marker.
ErrorKind ErrorKindOfObject(const StoredObject& object);
// The status Get returns for an error marker; its payload carries the kind.
absl::Status ErrorStatus(ErrorKind kind, const std::string& message);
// The kind carried by a status from Get (kNone when it has none).
ErrorKind ErrorKindOf(const absl::Status& status);

}  // namespace core
}  // namespace photon
