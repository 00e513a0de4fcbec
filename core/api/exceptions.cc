#include "core/api/exceptions.h"

#include "core/core_worker/errors.h"

namespace photon {
namespace api_internal {

void ThrowIfError(const absl::Status& status) {
  if (status.ok()) return;
  const std::string message(status.message());
  switch (core::ErrorKindOf(status)) {
    case core::ErrorKind::kTaskError: throw TaskError(message);
    case core::ErrorKind::kWorkerCrashed: throw WorkerCrashedError(message);
    case core::ErrorKind::kNodeDied: throw NodeDiedError(message);
    case core::ErrorKind::kObjectLost: throw ObjectLostError(message);
    case core::ErrorKind::kOwnerDied: throw OwnerDiedError(message);
    case core::ErrorKind::kTaskCancelled: throw TaskCancelledError(message);
    case core::ErrorKind::kGetTimeout: throw GetTimeoutError(message);
    case core::ErrorKind::kScheduling: throw SchedulingError(message);
    case core::ErrorKind::kActorDied: throw ActorDiedError(message);
    case core::ErrorKind::kActorPlacementGroupRemoved: throw ActorPlacementGroupRemovedError(message);
    case core::ErrorKind::kPlacementGroupRemoved: throw PlacementGroupRemovedError(message);
    case core::ErrorKind::kNone: break;
  }
  throw Error(status.ToString());
}

}  // namespace api_internal
}  // namespace photon
