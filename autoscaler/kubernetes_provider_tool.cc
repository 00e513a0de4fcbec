// kubernetes_provider_tool: runs one KubernetesProvider operation and prints
// its result as one JSON line, for tests against a fake API server
// (tests/python/test_kubernetes_provider.py) and for trying a real cluster
// by hand:
//
//   kubernetes_provider_tool --api-server=https://127.0.0.1:6443 --ca-file=ca.crt
//       --token-file=token --namespace=ns --cluster-name=demo
//       --pod-template-configmap=photon-worker-template
//       launch photon-demo-cpu2-1 '{"name": "cpu2", "resources": {"CPU": 2}, "labels": {"pool": "cpu"}}'
//   ... terminate photon-demo-cpu2-1
//   ... list
//
// prints {"ok": true} (with "instances": {id: {node_type, state, message}}
// for list), or {"ok": false, "code": "INVALID_ARGUMENT", "message": ...}
// and exits 1. The provider's log lines (retries, warnings) go to stderr.

#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "autoscaler/kube_client.h"
#include "autoscaler/kubernetes_provider.h"
#include "core/common/flags.h"
#include "core/common/status_macros.h"

namespace photon {
namespace autoscaler {
namespace {

using nlohmann::json;

const char* StateName(InstanceState state) {
  switch (state) {
    case InstanceState::kRequested: return "requested";
    case InstanceState::kAllocated: return "allocated";
    case InstanceState::kRunning: return "running";
    case InstanceState::kDraining: return "draining";
    case InstanceState::kTerminated: return "terminated";
    case InstanceState::kFailed: return "failed";
  }
  return "unknown";
}

// {"name": ..., "resources": {name: number}, "labels": {key: string}}.
absl::StatusOr<NodeTypeConfig> ParseType(const std::string& text) {
  ASSIGN_OR_RETURN(json value, ParseJson(text));
  if (!value.is_object() || !value.contains("name") || !value["name"].is_string()) {
    return absl::InvalidArgumentError("TYPE_JSON: an object with a string \"name\"");
  }
  for (const char* field : {"resources", "labels"}) {
    if (!value[field].is_null() && !value[field].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("TYPE_JSON: \"", field, "\" must be an object"));
    }
  }
  NodeTypeConfig type;
  type.name = value["name"].get<std::string>();
  for (auto& [name, amount] : value["resources"].items()) {
    if (!amount.is_number()) return absl::InvalidArgumentError(absl::StrCat("TYPE_JSON: resources.", name));
    type.resources[name] = amount.get<double>();
  }
  for (auto& [key, label] : value["labels"].items()) {
    if (!label.is_string()) return absl::InvalidArgumentError(absl::StrCat("TYPE_JSON: labels.", key));
    type.labels[key] = label.get<std::string>();
  }
  return type;
}

absl::StatusOr<std::unique_ptr<KubernetesProvider>> MakeProvider(const FlagSet& flags) {
  ProviderConfig config;
  config.type = "kubernetes";
  // Only flags given become settings, so the others keep their in-cluster defaults.
  for (const char* flag : {"api-server", "ca-file", "token-file", "namespace", "pod-template-configmap"}) {
    if (!flags.IsSet(flag)) continue;
    std::string key = flag;
    for (char& c : key) c = c == '-' ? '_' : c;
    config.settings[key] = flags.GetString(flag);
  }
  if (flags.IsSet("max-attempts")) config.settings["max_attempts"] = absl::StrCat(flags.GetInt("max-attempts"));
  ASSIGN_OR_RETURN(KubernetesProvider::Options options,
                   KubernetesProvider::OptionsFromConfig(config, flags.GetString("cluster-name")));
  options.client.request_timeout = absl::Milliseconds(flags.GetInt("request-timeout-ms"));
  options.client.initial_backoff = absl::Milliseconds(flags.GetInt("initial-backoff-ms"));
  options.list_page_size = static_cast<int>(flags.GetInt("list-page-size"));
  return KubernetesProvider::Create(std::move(options));
}

absl::StatusOr<json> Run(const FlagSet& flags) {
  const std::vector<std::string>& args = flags.positional();
  const std::string op = args.empty() ? "" : args[0];
  if (!((op == "launch" && args.size() == 3) || (op == "terminate" && args.size() == 2) ||
        (op == "list" && args.size() == 1))) {
    return absl::InvalidArgumentError("usage: launch ID TYPE_JSON | terminate ID | list");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<KubernetesProvider> provider, MakeProvider(flags));
  json result = {{"ok", true}};
  if (op == "launch") {
    ASSIGN_OR_RETURN(NodeTypeConfig type, ParseType(args[2]));
    RETURN_IF_ERROR(provider->Launch(args[1], type));
  } else if (op == "terminate") {
    RETURN_IF_ERROR(provider->Terminate(args[1]));
  } else {
    ASSIGN_OR_RETURN(auto instances, provider->List());
    result["instances"] = json::object();
    for (const auto& [id, instance] : instances) {
      result["instances"][id] = {
          {"node_type", instance.node_type}, {"state", StateName(instance.state)}, {"message", instance.message}};
    }
  }
  return result;
}

int Main(int argc, char** argv) {
  FlagSet flags("kubernetes_provider_tool", "Runs one Kubernetes provider operation: launch, terminate or list.");
  flags.AddString("api-server", "", "https://HOST:PORT (default: from KUBERNETES_SERVICE_HOST/PORT)");
  flags.AddString("ca-file", "", "CA bundle for the server's certificate (default: the service account's)");
  flags.AddString("token-file", "", "bearer token file (default: the service account's)");
  flags.AddString("namespace", "", "the pods' namespace (default: the service account's)");
  flags.AddString("cluster-name", "photon", "value of the photon.io/cluster label");
  flags.AddString("pod-template-configmap", "", "ConfigMap holding template.json");
  flags.AddInt("max-attempts", 5, "tries of a request that gets 429, 5xx or no answer");
  flags.AddInt("request-timeout-ms", 10000, "limit of one attempt");
  flags.AddInt("initial-backoff-ms", 200, "wait before the first retry (doubling after)");
  flags.AddInt("list-page-size", 500, "pods per List page");
  if (absl::Status s = flags.Parse(argc, argv); !s.ok()) {
    std::cerr << s.message() << "\n\n" << flags.Usage();
    return 2;
  }
  absl::StatusOr<json> result = Run(flags);
  if (!result.ok()) {
    std::cout << json{{"ok", false},
                      {"code", absl::StatusCodeToString(result.status().code())},
                      {"message", std::string(result.status().message())}}
                     .dump()
              << std::endl;
    return 1;
  }
  std::cout << result->dump() << std::endl;
  return 0;
}

}  // namespace
}  // namespace autoscaler
}  // namespace photon

int main(int argc, char** argv) { return photon::autoscaler::Main(argc, argv); }
