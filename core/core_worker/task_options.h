#pragma once
// TaskOptions and ActorOptions: how a task or an actor is to run. The
// defaults written here are the only ones: the C++ API and the Python
// package both start from a default-constructed struct and set what the
// user gave (photon._core.TaskOptions / ActorOptions are these structs).
//
//   TaskOptions options;                       // {"CPU": 1}, 3 retries, 1 return
//   options.num_returns = 2;
//   options.strategy.set_kind(rpc::LeaseSchedulingStrategy::SPREAD);
//   RETURN_IF_ERROR(options.Validate("task", "f"));
//
// Value types (thread-compatible).
#include <map>
#include <string>

#include "absl/status/status.h"
#include "proto/raylet.pb.h"

namespace photon {
namespace core {

struct TaskOptions {
  // What the task holds while it runs. Default: {"CPU": 1}.
  std::map<std::string, double> resources = {{"CPU", 1}};
  rpc::LeaseSchedulingStrategy strategy;
  // Attempts after the first for system failures; -1: unlimited.
  int max_retries = 3;
  // Also retry (within max_retries) when the function raised.
  bool retry_exceptions = false;
  // How many objects the task returns (0: none).
  int num_returns = 1;

  // InvalidArgument naming the task ("task f") for a negative num_returns
  // or a bad resource.
  absl::Status Validate(const char* kind, const std::string& name) const;
};

struct ActorOptions {
  // Held for the actor's life. Default: none (as in Ray, an actor holds no
  // CPU while it runs); set {"CPU": 1} to reserve one.
  std::map<std::string, double> resources;
  rpc::LeaseSchedulingStrategy strategy;
  // Named actors are found with GetNamedActor; names are unique per namespace.
  std::string name;
  // Empty: the creator's namespace.
  std::string namespace_name;
  // A detached actor outlives its creator's job (until killed).
  bool detached = false;
  // With a name: the live actor of that name if there is one, else a new one.
  bool get_if_exists = false;
  int max_restarts = 0;      // -1: unlimited
  int max_task_retries = 0;  // -1: unlimited
  // Calls run at once (threads, or an asyncio loop's tasks in Python).
  int max_concurrency = 1;
  // Shown in the actor table; empty: the factory's name.
  std::string class_name;

  // InvalidArgument naming the actor ("actor C") for a bad resource or
  // max_concurrency < 1.
  absl::Status Validate(const char* kind, const std::string& name) const;
};

// InvalidArgument naming `kind` and `name` when a resource has no name or a
// negative (or NaN) amount.
absl::Status ValidateResources(const std::map<std::string, double>& resources, const char* kind,
                               const std::string& name);

// Adds the resources with a positive amount to `out`, as a task spec carries them.
void AddResources(const std::map<std::string, double>& resources, rpc::ResourceSet* out);

}  // namespace core
}  // namespace photon
