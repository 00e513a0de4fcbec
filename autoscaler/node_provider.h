#pragma once

// NodeProvider: how the autoscaler gets and gives back machines. `local`
// starts `photon start --address ...` raylets on this machine;
// `kubernetes` creates and deletes worker pods through the API server.
//
// Instance ids are chosen by the autoscaler (deterministic, recorded in the
// GCS before Launch), so Launch is idempotent: launching an id that exists
// is OK and starts nothing twice; Terminate of a gone id is OK too. The node
// an instance becomes carries its id as the raylet label
// `photon.io/instance-id` (and its type as `photon.io/node-type`).
//
//   std::unique_ptr<NodeProvider> p = MakeProvider(config, deps);
//   RETURN_IF_ERROR(p->Launch("photon-cpu2-3", *config.FindType("cpu2")));
//   ASSIGN_OR_RETURN(auto instances, p->List());
//
// Thread-compatible (the autoscaler's loop calls it).

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "autoscaler/autoscaler_config.h"
#include "autoscaler/scaling_policy.h"

namespace photon {
namespace autoscaler {

inline constexpr char kInstanceIdLabel[] = "photon.io/instance-id";
inline constexpr char kNodeTypeLabel[] = "photon.io/node-type";
inline constexpr char kClusterLabel[] = "photon.io/cluster";

struct ProviderInstance {
  std::string instance_id;
  std::string node_type;
  // kRequested (asked, not scheduled: a Pending pod), kAllocated (running,
  // its raylet not registered yet as far as the provider knows), kRunning,
  // kTerminated, kFailed (with `message`).
  InstanceState state = InstanceState::kRequested;
  std::string message;
};

class NodeProvider {
 public:
  virtual ~NodeProvider() = default;

  virtual absl::Status Launch(const std::string& instance_id, const NodeTypeConfig& type) = 0;
  virtual absl::Status Terminate(const std::string& instance_id) = 0;
  // Every instance of this cluster the provider has, by id.
  virtual absl::StatusOr<std::map<std::string, ProviderInstance>> List() = 0;
};

}  // namespace autoscaler
}  // namespace photon
