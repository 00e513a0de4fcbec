#include "core/core_worker/errors.h"

#include "absl/strings/cord.h"

namespace photon {
namespace core {
namespace {

constexpr char kPayloadUrl[] = "photon/error-kind";
constexpr char kValueUrl[] = "photon/error-value";
constexpr char kNotRetryableUrl[] = "photon/not-retryable";
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
    case ErrorKind::kPlacementGroupRemoved: return "TaskPlacementGroupRemoved";
    case ErrorKind::kActorPlacementGroupRemoved: return "ActorPlacementGroupRemoved";
  }
  return "None";
}

std::optional<ErrorKind> ErrorKindFromName(const std::string& name) {
  for (ErrorKind k : {ErrorKind::kTaskError, ErrorKind::kWorkerCrashed, ErrorKind::kNodeDied,
                      ErrorKind::kObjectLost, ErrorKind::kOwnerDied, ErrorKind::kTaskCancelled,
                      ErrorKind::kGetTimeout, ErrorKind::kScheduling, ErrorKind::kActorDied,
                      ErrorKind::kPlacementGroupRemoved, ErrorKind::kActorPlacementGroupRemoved}) {
    if (name == ErrorKindName(k)) return k;
  }
  return std::nullopt;
}

// Metadata of an error marker: "photon-error:<kind name>", then, when the
// error has a language value, a newline and the value's bytes.
StoredObject ErrorObject(ErrorKind kind, const std::string& message, const std::string& value) {
  std::string metadata = std::string(kMetadataPrefix) + ErrorKindName(kind);
  if (!value.empty()) metadata.append("\n").append(value);
  return StoredObject{message, std::move(metadata), false};
}

ErrorKind ErrorKindOfObject(const StoredObject& object) {
  const std::string& m = object.metadata;
  if (m.compare(0, sizeof(kMetadataPrefix) - 1, kMetadataPrefix) != 0) return ErrorKind::kNone;
  const size_t start = sizeof(kMetadataPrefix) - 1;
  const size_t end = m.find('\n', start);
  return ErrorKindFromName(m.substr(start, end == std::string::npos ? std::string::npos : end - start))
      .value_or(ErrorKind::kNone);
}

std::string ErrorValueOfObject(const StoredObject& object) {
  if (ErrorKindOfObject(object) == ErrorKind::kNone) return "";
  const size_t newline = object.metadata.find('\n');
  return newline == std::string::npos ? "" : object.metadata.substr(newline + 1);
}

std::string ErrorValueOf(const absl::Status& status) {
  auto value = status.GetPayload(kValueUrl);
  return value ? std::string(*value) : "";
}

absl::Status WithErrorValue(absl::Status status, const std::string& value) {
  if (!value.empty()) status.SetPayload(kValueUrl, absl::Cord(value));
  return status;
}

absl::Status NotRetryable(absl::Status status) {
  status.SetPayload(kNotRetryableUrl, absl::Cord("1"));
  return status;
}

bool IsNotRetryable(const absl::Status& status) { return status.GetPayload(kNotRetryableUrl).has_value(); }

absl::Status ErrorStatus(ErrorKind kind, const std::string& message, const std::string& value) {
  absl::StatusCode code = absl::StatusCode::kUnknown;
  switch (kind) {
    case ErrorKind::kGetTimeout: code = absl::StatusCode::kDeadlineExceeded; break;
    case ErrorKind::kTaskCancelled: code = absl::StatusCode::kCancelled; break;
    case ErrorKind::kObjectLost:
    case ErrorKind::kOwnerDied: code = absl::StatusCode::kDataLoss; break;
    case ErrorKind::kWorkerCrashed:
    case ErrorKind::kNodeDied:
    case ErrorKind::kActorDied:
    case ErrorKind::kActorPlacementGroupRemoved: code = absl::StatusCode::kUnavailable; break;
    case ErrorKind::kScheduling:
    case ErrorKind::kPlacementGroupRemoved: code = absl::StatusCode::kFailedPrecondition; break;
    default: break;
  }
  absl::Status status(code, message);
  status.SetPayload(kPayloadUrl, absl::Cord(ErrorKindName(kind)));
  return WithErrorValue(std::move(status), value);
}

ErrorKind ErrorKindOf(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload) return status.code() == absl::StatusCode::kDeadlineExceeded ? ErrorKind::kGetTimeout : ErrorKind::kNone;
  return ErrorKindFromName(std::string(*payload)).value_or(ErrorKind::kNone);
}

absl::Status ShutDownError() { return absl::FailedPreconditionError("photon is shut down"); }

}  // namespace core
}  // namespace photon
