#include "core/core_worker/errors.h"

#include "absl/strings/cord.h"

namespace photon {
namespace core {
namespace {

constexpr char kPayloadUrl[] = "photon/error-kind";
constexpr char kMetadataPrefix[] = "photon-error:";

}  // namespace

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return "None";
    case ErrorKind::kTaskError: return "TaskError";
    case ErrorKind::kWorkerCrashed: return "WorkerCrashedError";
    case ErrorKind::kNodeDied: return "NodeDiedError";
    case ErrorKind::kObjectLost: return "ObjectLostError";
    case ErrorKind::kOwnerDied: return "OwnerDiedError";
    case ErrorKind::kTaskCancelled: return "TaskCancelledError";
    case ErrorKind::kGetTimeout: return "GetTimeoutError";
    case ErrorKind::kScheduling: return "SchedulingError";
    case ErrorKind::kActorDied: return "ActorDiedError";
  }
  return "None";
}

std::optional<ErrorKind> ErrorKindFromName(const std::string& name) {
  for (ErrorKind k : {ErrorKind::kTaskError, ErrorKind::kWorkerCrashed, ErrorKind::kNodeDied,
                      ErrorKind::kObjectLost, ErrorKind::kOwnerDied, ErrorKind::kTaskCancelled,
                      ErrorKind::kGetTimeout, ErrorKind::kScheduling, ErrorKind::kActorDied}) {
    if (name == ErrorKindName(k)) return k;
  }
  return std::nullopt;
}

StoredObject ErrorObject(ErrorKind kind, const std::string& message) {
  return StoredObject{message, std::string(kMetadataPrefix) + ErrorKindName(kind), false};
}

ErrorKind ErrorKindOfObject(const StoredObject& object) {
  const std::string& m = object.metadata;
  if (m.compare(0, sizeof(kMetadataPrefix) - 1, kMetadataPrefix) != 0) return ErrorKind::kNone;
  return ErrorKindFromName(m.substr(sizeof(kMetadataPrefix) - 1)).value_or(ErrorKind::kNone);
}

absl::Status ErrorStatus(ErrorKind kind, const std::string& message) {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  switch (kind) {
    case ErrorKind::kGetTimeout: code = absl::StatusCode::kDeadlineExceeded; break;
    case ErrorKind::kTaskCancelled: code = absl::StatusCode::kCancelled; break;
    case ErrorKind::kObjectLost:
    case ErrorKind::kOwnerDied: code = absl::StatusCode::kDataLoss; break;
    case ErrorKind::kWorkerCrashed:
    case ErrorKind::kNodeDied:
    case ErrorKind::kActorDied: code = absl::StatusCode::kUnavailable; break;
    case ErrorKind::kScheduling: code = absl::StatusCode::kFailedPrecondition; break;
    default: break;
  }
  absl::Status status(code, message);
  status.SetPayload(kPayloadUrl, absl::Cord(ErrorKindName(kind)));
  return status;
}

ErrorKind ErrorKindOf(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return status.code() == absl::StatusCode::kDeadlineExceeded ? ErrorKind::kGetTimeout : ErrorKind::kNone;
  return ErrorKindFromName(std::string(*payload)).value_or(ErrorKind::kNone);
}

}  // namespace core
}  // namespace photon
