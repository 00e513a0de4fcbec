#pragma once

// LocalProvider: nodes as `photon start --address <gcs> --block` processes
// on this machine, each with its node type's resources and labels; what
// the tests use, and a laptop's way of trying the autoscaler. Each node runs
// in a session of its own (it outlives an autoscaler restart); its pid is
// kept in <dir>/<instance id>.pid so a restarted autoscaler finds it.
//
//   LocalProvider provider({.gcs_address = "127.0.0.1:6379", .token = t, .dir = session + "/autoscaler"});
//   RETURN_IF_ERROR(provider.Launch("photon-cpu2-1", type));
//
// Thread-compatible.

#include <string>

#include "autoscaler/node_provider.h"

namespace photon {
namespace autoscaler {

class LocalProvider : public NodeProvider {
 public:
  struct Options {
    std::string gcs_address;
    std::string token;
    std::string dir;  // pid files and the nodes' output
    // Object store per node when the type does not say (object_store_memory).
    int64_t object_store_bytes = 256 << 20;
    // Task memory per node when the type does not say (memory).
    int64_t memory_bytes = 1 << 30;
  };
  explicit LocalProvider(Options options) : options_(std::move(options)) {}

  absl::Status Launch(const std::string& instance_id, const NodeTypeConfig& type) override;
  absl::Status Terminate(const std::string& instance_id) override;
  absl::StatusOr<std::map<std::string, ProviderInstance>> List() override;

 private:
  std::string PidPath(const std::string& instance_id) const;
  int PidOf(const std::string& instance_id) const;

  const Options options_;
};

}  // namespace autoscaler
}  // namespace photon
