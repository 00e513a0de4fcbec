#pragma once

// The resources a node offers, from the raylet's flags and what the machine
// has. Quantities of memory are bytes.
//
//   NodeResourceFlags flags;           // -1 means "detect"
//   flags.num_cpus = 4;
//   flags.resources_json = R"({"accelerator_x": 2})";
//   ASSIGN_OR_RETURN(rpc::ResourceSet set, BuildNodeResources(flags, MachineInfo::Detect()));
//
// Defaults: CPU = cores; GPU = the GPUs in CUDA_VISIBLE_DEVICES when set,
// else the NVIDIA GPUs the driver lists, else 0; object_store_memory = 30% of
// RAM, capped by the free space of /dev/shm; memory = available RAM minus the
// object store. Every node also gets `node:<ip>` = 1 (and the head
// `node:__internal_head__` = 1) so work can be pinned to it.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proto/common.pb.h"

namespace photon {
namespace raylet {

struct NodeResourceFlags {
  double num_cpus = -1;
  double num_gpus = -1;
  int64_t memory = -1;
  int64_t object_store_memory = -1;
  // A JSON object of custom resources: {"name": amount, ...}.
  std::string resources_json;
  std::string node_ip = "127.0.0.1";
  bool is_head = false;
};

// What the machine has; Detect() reads /proc and /dev, tests fill it in.
struct MachineInfo {
  int num_cores = 1;
  int num_gpus = 0;
  int64_t total_memory = 0;
  int64_t available_memory = 0;
  int64_t shm_free = 0;

  static MachineInfo Detect();
};

// InvalidArgument names the flag and the problem (malformed JSON, a negative
// amount, a built-in resource given in --resources, an object store larger
// than /dev/shm).
absl::StatusOr<rpc::ResourceSet> BuildNodeResources(const NodeResourceFlags& flags,
                                                    const MachineInfo& machine);

// Parses --resources JSON into name -> amount.
absl::StatusOr<rpc::ResourceSet> ParseResourcesJson(const std::string& json);

}  // namespace raylet
}  // namespace photon
