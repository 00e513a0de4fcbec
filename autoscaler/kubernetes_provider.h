#pragma once

// KubernetesProvider: the NodeProvider that turns instances into worker pods
// of the cluster's namespace, for a Photon head running in a pod. Each
// instance is one pod named after its id, created from a pod template and
// deleted when terminated; Kubernetes (or Karpenter, or a cluster
// autoscaler acting on Pending pods) finds the machine.
//
// Configuration (provider: in the autoscaler's YAML, i.e. ProviderConfig.settings):
//   pod_template_configmap  required: the ConfigMap holding the worker pod
//                           template, a full Pod manifest in JSON, under the
//                           key `<node type>.json`, else `template.json`
//                           (see deploy/kubernetes/worker-pod-template.yaml;
//                           read at each launch, so an edit applies to the
//                           next pod)
//   namespace               default: the service account's namespace file
//   api_server              default: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
//   ca_file, token_file     default: the service account's ca.crt and token
//   request_timeout_s       one attempt's limit (default 10)
//   max_attempts            tries of a request that gets 429/5xx/no answer (default 5)
// The head's service account needs the Role of
// deploy/kubernetes/autoscaler-rbac.yaml (pods: get, list, watch, create,
// delete; configmaps: get).
//
// The API calls, all under /api/v1/namespaces/<namespace>/:
//   Launch     GET configmaps/<pod_template_configmap>, POST pods (409
//              AlreadyExists is success: the pod was created before)
//   Terminate  DELETE pods/<id> (404 is success: already gone)
//   List       GET pods?labelSelector=photon.io/cluster=<cluster>,photon.io/instance-id
//              (pages of list_page_size; the head pod, without an instance
//              id label, is never listed)
// and the pods' states map as kubernetes_pods.h describes. Errors carry the
// HTTP code and the API's Status message (see KubeError).
//
//   ASSIGN_OR_RETURN(auto options, KubernetesProvider::OptionsFromConfig(config.provider, "prod"));
//   ASSIGN_OR_RETURN(auto provider, KubernetesProvider::Create(std::move(options)));
//   RETURN_IF_ERROR(provider->Launch("photon-prod-cpu2-3", *config.FindType("cpu2")));
//
// Thread-compatible (the autoscaler's loop calls it); calls block while
// they retry.

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "autoscaler/autoscaler_config.h"
#include "autoscaler/kube_client.h"
#include "autoscaler/node_provider.h"

namespace photon {
namespace autoscaler {

// Where a pod finds its service account's credentials.
inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

class KubernetesProvider : public NodeProvider {
 public:
  struct Options {
    // The value of every pod's photon.io/cluster label: what List selects on.
    std::string cluster_name;
    std::string pod_namespace = "default";
    std::string pod_template_configmap;
    // Pods per List page (the API's `limit`; `continue` fetches the next).
    int list_page_size = 500;
    // Server, credentials, timeouts and retries.
    KubeClient::Options client;
  };

  // Options from the provider's settings (keys above; any other key is an
  // InvalidArgument naming it), with the in-cluster defaults: the API server
  // from KUBERNETES_SERVICE_HOST/PORT, credentials and namespace from
  // kServiceAccountDir. FailedPrecondition when no API server is given or
  // found.
  static absl::StatusOr<Options> OptionsFromConfig(const ProviderConfig& config, const std::string& cluster_name);

  // InvalidArgument for an empty cluster name or ConfigMap, or a bad api_server.
  static absl::StatusOr<std::unique_ptr<KubernetesProvider>> Create(Options options);

  absl::Status Launch(const std::string& instance_id, const NodeTypeConfig& type) override;
  absl::Status Terminate(const std::string& instance_id) override;
  absl::StatusOr<std::map<std::string, ProviderInstance>> List() override;

 private:
  KubernetesProvider(Options options, std::unique_ptr<KubeClient> client);
  // The template for `type`, from the ConfigMap.
  absl::StatusOr<nlohmann::json> PodTemplate(const std::string& type);
  std::string NamespacePath(const std::string& rest) const;

  const Options options_;
  const std::unique_ptr<KubeClient> client_;
};

}  // namespace autoscaler
}  // namespace photon
