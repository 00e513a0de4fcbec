#pragma once
// The exceptions the C++ API throws. Every failure a remote call can have
// reaches photon::Get (or Put/Wait) as one of these; catch photon::Error for
// all of them.
//
//   try {
//     int v = photon::Get(ref);
//   } catch (const photon::TaskError& e) {        // the task threw
//     std::cerr << e.what();                      // its message, and where it ran
//   } catch (const photon::WorkerCrashedError&) { // retries ran out
//   }
#include <stdexcept>
#include <string>

#include "absl/status/status.h"

namespace photon {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
// The remote function threw; what() carries its exception's type and message.
class TaskError : public Error { using Error::Error; };
class WorkerCrashedError : public Error { using Error::Error; };
class NodeDiedError : public Error { using Error::Error; };
class ObjectLostError : public Error { using Error::Error; };
class OwnerDiedError : public Error { using Error::Error; };
class TaskCancelledError : public Error { using Error::Error; };
class GetTimeoutError : public Error { using Error::Error; };
// No worker could be started for the task, or its options were refused.
class SchedulingError : public Error { using Error::Error; };
// A call to an actor that is dead, or that died running it (the message
// names the cause: crashed, killed, node died, owner died, constructor failed).
class ActorDiedError : public Error { using Error::Error; };
// A call to an actor that ended because its placement group was removed.
class ActorPlacementGroupRemovedError : public ActorDiedError { using ActorDiedError::ActorDiedError; };
// The task's placement group was removed before or while it ran.
class PlacementGroupRemovedError : public Error { using Error::Error; };

namespace api_internal {
// Throws the exception matching `status` (its error kind, else photon::Error)
// unless it is OK.
void ThrowIfError(const absl::Status& status);
}  // namespace api_internal

}  // namespace photon
