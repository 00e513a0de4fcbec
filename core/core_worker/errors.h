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
  // The task's placement group was removed before or while it ran.
  kPlacementGroupRemoved,
  // kActorDied because the actor's placement group was removed.
  kActorPlacementGroupRemoved,
};

const char* ErrorKindName(ErrorKind kind);
std::optional<ErrorKind> ErrorKindFromName(const std::string& name);

// The marker stored for an object that failed with `kind`. `value`, when
// given, is the error as a value of the worker's language (a pickled Python
// exception); it travels with the marker and reaches Get's status.
StoredObject ErrorObject(ErrorKind kind, const std::string& message, const std::string& value = "");
// kNone unless `object` is an error marker.
ErrorKind ErrorKindOfObject(const StoredObject& object);
// The language value of an error marker ("" when it has none).
std::string ErrorValueOfObject(const StoredObject& object);
// The status Get returns for an error marker; its payloads carry the kind
// and the language value.
absl::Status ErrorStatus(ErrorKind kind, const std::string& message, const std::string& value = "");
// The kind carried by a status from Get (kNone when it has none).
ErrorKind ErrorKindOf(const absl::Status& status);
// The language value carried by a status ("" when it has none). A worker's
// execute callback attaches one with WithErrorValue.
std::string ErrorValueOf(const absl::Status& status);
absl::Status WithErrorValue(absl::Status status, const std::string& value);
// An application error the task's retry_exceptions does not name (a list of
// exception types, which only the language can match): not retried.
absl::Status NotRetryable(absl::Status status);
bool IsNotRetryable(const absl::Status& status);

// What every call made after Shutdown returns: FailedPrecondition
// "photon is shut down".
absl::Status ShutDownError();

}  // namespace core
}  // namespace photon
