#pragma once

// AutoscalerConfig: what the autoscaler may launch, read from YAML
// (deploy/autoscaler-local.yaml and deploy/autoscaler-kubernetes.yaml are
// documented examples):
//
//   provider: {type: local}            # or {type: kubernetes, namespace: ..., pod_template_configmap: ...}
//   max_workers: 10                    # worker nodes in all, across types
//   idle_timeout_s: 60
//   upscaling_speed: 1.0
//   loop_period_s: 1
//   launch_timeout_s: 120
//   node_types:
//     cpu2: {resources: {CPU: 2}, min_workers: 0, max_workers: 3, labels: {pool: cpu}}
//     gpu1: {resources: {CPU: 8, GPU: 1}, max_workers: 2}
//
//   ASSIGN_OR_RETURN(AutoscalerConfig config, ParseAutoscalerConfig(yaml_text));
//
// Value types; thread-compatible.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace photon {
namespace autoscaler {

struct NodeTypeConfig {
  std::string name;
  // Logical resources a node of this type offers ({"CPU": 2, "GPU": 1, "custom": 1}).
  std::map<std::string, double> resources;
  int min_workers = 0;
  int max_workers = 0;
  // Given to the node (raylet labels) besides photon.io/node-type.
  std::map<std::string, std::string> labels;
};

struct ProviderConfig {
  std::string type = "local";  // "local" or "kubernetes"
  // Everything else under provider:, for the provider to read (e.g.
  // namespace, pod_template_configmap, api_server).
  std::map<std::string, std::string> settings;
};

struct AutoscalerConfig {
  ProviderConfig provider;
  std::vector<NodeTypeConfig> node_types;
  int max_workers = 100;
  double idle_timeout_s = 60;
  // Launches in flight at most max(5, upscaling_speed * nodes running).
  double upscaling_speed = 1.0;
  double loop_period_s = 1;
  // A launch not running after this long is failed (and counted).
  double launch_timeout_s = 120;

  const NodeTypeConfig* FindType(const std::string& name) const;
};

// InvalidArgument naming the key for: malformed YAML, unknown keys, wrong
// types, negative counts, min_workers > max_workers, a type without
// resources, no node types.
absl::StatusOr<AutoscalerConfig> ParseAutoscalerConfig(const std::string& yaml);

}  // namespace autoscaler
}  // namespace photon
