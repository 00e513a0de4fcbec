#pragma once

// The two translations the Kubernetes provider makes, as pure functions so
// that they are unit-tested without an API server: a node type into a
// worker pod (WorkerPod), and a pod back into the provider's view of an
// instance (InstanceFromPod).
//
// The pod template is a full Pod manifest in JSON (the ConfigMap's
// `template.json`, see deploy/kubernetes/worker-pod-template.yaml). The
// worker container is the one named `photon-worker`, else the first; its
// command is expected to run `photon start --address=<head> --block`, which
// reads the PHOTON_* variables set here as its flags.
//
//   ASSIGN_OR_RETURN(nlohmann::json pod, WorkerPod(template_json, spec));
//   ProviderInstance instance = InstanceFromPod(pod_from_list);
//
// Thread-safe (no state).

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "autoscaler/autoscaler_config.h"
#include "autoscaler/node_provider.h"

namespace photon {
namespace autoscaler {

// The container WorkerPod fills in, when a template has several.
inline constexpr char kWorkerContainerName[] = "photon-worker";
// GPUs as Kubernetes schedules them (the NVIDIA device plugin's resource).
inline constexpr char kGpuResourceName[] = "nvidia.com/gpu";

struct WorkerPodSpec {
  std::string instance_id;  // becomes metadata.name
  std::string cluster_name;
  std::string pod_namespace;
  const NodeTypeConfig* type = nullptr;
};

// True for a DNS-1123 label (what a pod name that is also a label value
// must be): 1-63 of [a-z0-9-], starting and ending alphanumeric.
bool IsDns1123Label(const std::string& name);

// The pod to create: `pod_template` with
//   - metadata.name = instance_id, metadata.namespace = pod_namespace (any
//     generateName, uid, resourceVersion, creationTimestamp and status of
//     the template dropped);
//   - labels: the template's, then the type's, then photon.io/cluster,
//     photon.io/node-type and photon.io/instance-id (later ones win);
//   - on the worker container, requests and limits set from the type's
//     resources: CPU -> cpu ("2", or millicores "500m"), memory -> memory
//     (bytes), GPU -> nvidia.com/gpu (whole GPUs only); other resources of
//     the template's container are kept;
//   - on the worker container, env PHOTON_NUM_CPUS and PHOTON_NUM_GPUS (0
//     when the type has none, so `photon start` does not count the host's),
//     PHOTON_MEMORY (when the type has memory), PHOTON_RESOURCES (JSON of
//     the other resources) and PHOTON_NODE_LABELS (JSON of the type's labels
//     with photon.io/node-type and photon.io/instance-id), replacing
//     variables of those names in the template.
// InvalidArgument for a template that is not a Pod with containers, an
// instance id that is not a DNS-1123 label, or a fractional GPU count.
// REQUIRES: spec.type != nullptr.
absl::StatusOr<nlohmann::json> WorkerPod(const nlohmann::json& pod_template, const WorkerPodSpec& spec);

// The provider's view of a pod (an item of a PodList):
//   metadata.deletionTimestamp set      -> kTerminated ("being deleted")
//   phase Pending                       -> kRequested, with why: the
//       PodScheduled condition's reason and message ("Unschedulable: 0/3
//       nodes are available: 3 Insufficient cpu."), else a waiting
//       container's ("ErrImagePull: ...")
//   phase Running, condition Ready true -> kRunning
//   phase Running otherwise             -> kAllocated (the Ready condition's message)
//   phase Failed                        -> kFailed (the pod's reason and message, else
//                                          a terminated container's reason and exit code)
//   phase Succeeded                     -> kTerminated
//   phase Unknown or absent             -> kAllocated ("phase Unknown: ...")
// The id is the photon.io/instance-id label (else the pod's name), the type
// photon.io/node-type.
ProviderInstance InstanceFromPod(const nlohmann::json& pod);

}  // namespace autoscaler
}  // namespace photon
