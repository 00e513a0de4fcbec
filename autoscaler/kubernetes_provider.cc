#include "autoscaler/kubernetes_provider.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "autoscaler/kubernetes_pods.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"

namespace photon {
namespace autoscaler {
namespace {

using nlohmann::json;

const std::set<std::string>& KnownSettings() {
  static const auto* const kKnown = new std::set<std::string>{
      "pod_template_configmap", "namespace", "api_server", "ca_file", "token_file", "request_timeout_s",
      "max_attempts"};
  return *kKnown;
}

// The first line of a small file, or "" when it cannot be read.
std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

std::string InClusterApiServer() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  if (host == nullptr || *host == '\0') return "";
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  const std::string bracketed = std::string(host).find(':') != std::string::npos
                                    ? absl::StrCat("[", host, "]")  // an IPv6 address
                                    : std::string(host);
  return absl::StrCat("https://", bracketed, ":", port != nullptr && *port != '\0' ? port : "443");
}

// Percent-encoding of a query parameter's value (RFC 3986 unreserved kept).
std::string QueryEscape(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

bool IsSuccess(int http_code) { return http_code >= 200 && http_code < 300; }

absl::Status Logged(absl::Status status) {
  PHOTON_LOG(WARNING) << "kubernetes provider: " << status.message();
  return status;
}

}  // namespace

absl::StatusOr<KubernetesProvider::Options> KubernetesProvider::OptionsFromConfig(const ProviderConfig& config,
                                                                                  const std::string& cluster_name) {
  const std::map<std::string, std::string>& settings = config.settings;
  for (const auto& [key, value] : settings) {
    if (KnownSettings().count(key) == 0) {
      return absl::InvalidArgumentError(absl::StrCat("provider.", key, ": not a kubernetes provider setting (",
                                                     absl::StrJoin(KnownSettings(), ", "), ")"));
    }
  }
  auto setting = [&](const std::string& key, const std::string& fallback) {
    auto it = settings.find(key);
    return it == settings.end() ? fallback : it->second;
  };
  const std::string account(kServiceAccountDir);
  Options options;
  options.cluster_name = cluster_name;
  options.pod_template_configmap = setting("pod_template_configmap", "");
  options.pod_namespace = setting("namespace", ReadSmallFile(account + "/namespace"));
  if (options.pod_namespace.empty()) options.pod_namespace = "default";
  options.client.api_server = setting("api_server", InClusterApiServer());
  if (options.client.api_server.empty()) {
    return absl::FailedPreconditionError(
        "provider.api_server is not set and KUBERNETES_SERVICE_HOST is not either (not running in a pod?)");
  }
  options.client.ca_file = setting("ca_file", account + "/ca.crt");
  options.client.token_file = setting("token_file", account + "/token");
  if (auto it = settings.find("request_timeout_s"); it != settings.end()) {
    double seconds = 0;
    if (!absl::SimpleAtod(it->second, &seconds) || seconds <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("provider.request_timeout_s: \"", it->second, "\" is not a positive number"));
    }
    options.client.request_timeout = absl::Seconds(seconds);
  }
  if (auto it = settings.find("max_attempts"); it != settings.end()) {
    if (!absl::SimpleAtoi(it->second, &options.client.max_attempts) || options.client.max_attempts < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("provider.max_attempts: \"", it->second, "\" is not a positive integer"));
    }
  }
  return options;
}

absl::StatusOr<std::unique_ptr<KubernetesProvider>> KubernetesProvider::Create(Options options) {
  if (options.cluster_name.empty()) return absl::InvalidArgumentError("kubernetes provider: no cluster name");
  if (options.pod_template_configmap.empty()) {
    return absl::InvalidArgumentError("provider.pod_template_configmap: required for the kubernetes provider");
  }
  if (options.list_page_size < 1) options.list_page_size = 500;
  ASSIGN_OR_RETURN(std::unique_ptr<KubeClient> client, KubeClient::Create(options.client));
  return std::unique_ptr<KubernetesProvider>(new KubernetesProvider(std::move(options), std::move(client)));
}

KubernetesProvider::KubernetesProvider(Options options, std::unique_ptr<KubeClient> client)
    : options_(std::move(options)), client_(std::move(client)) {}

std::string KubernetesProvider::NamespacePath(const std::string& rest) const {
  return absl::StrCat("/api/v1/namespaces/", options_.pod_namespace, "/", rest);
}

absl::StatusOr<json> KubernetesProvider::PodTemplate(const std::string& type) {
  const std::string path = NamespacePath("configmaps/" + options_.pod_template_configmap);
  ASSIGN_OR_RETURN(KubeResponse response, client_->Request("GET", path));
  if (response.http_code != 200) {
    const absl::Status error = KubeError("GET", path, response);
    return Logged(absl::Status(error.code(), absl::StrCat("reading the pod template: ", error.message())));
  }
  const std::string where = absl::StrCat("ConfigMap ", options_.pod_namespace, "/", options_.pod_template_configmap);
  const json& data = response.body.is_object() ? response.body["data"] : json();
  std::string key = type + ".json";
  if (!data.is_object() || !data.contains(key)) key = "template.json";
  if (!data.is_object() || !data.contains(key) || !data[key].is_string()) {
    return Logged(absl::NotFoundError(
        absl::StrCat(where, " has neither \"", type, ".json\" nor \"template.json\" under data")));
  }
  absl::StatusOr<json> pod = ParseJson(data[key].get<std::string>());
  if (!pod.ok()) {
    return Logged(absl::InvalidArgumentError(absl::StrCat(where, " key ", key, ": ", pod.status().message())));
  }
  return pod;
}

absl::Status KubernetesProvider::Launch(const std::string& instance_id, const NodeTypeConfig& type) {
  if (!IsDns1123Label(instance_id)) {
    return absl::InvalidArgumentError(absl::StrCat("instance id \"", instance_id, "\" is not a DNS-1123 label"));
  }
  ASSIGN_OR_RETURN(json pod_template, PodTemplate(type.name));
  WorkerPodSpec spec;
  spec.instance_id = instance_id;
  spec.cluster_name = options_.cluster_name;
  spec.pod_namespace = options_.pod_namespace;
  spec.type = &type;
  absl::StatusOr<json> pod = WorkerPod(pod_template, spec);
  if (!pod.ok()) return Logged(pod.status());

  const std::string path = NamespacePath("pods");
  ASSIGN_OR_RETURN(KubeResponse response, client_->Request("POST", path, &*pod));
  if (IsSuccess(response.http_code)) {
    PHOTON_LOG(INFO) << "kubernetes provider: created pod " << options_.pod_namespace << "/" << instance_id
                     << " (type " << type.name << ")";
    return absl::OkStatus();
  }
  // The id is deterministic: a pod of that name is this launch, made before.
  if (response.http_code == 409) {
    PHOTON_LOG(INFO) << "kubernetes provider: pod " << options_.pod_namespace << "/" << instance_id
                     << " exists already";
    return absl::OkStatus();
  }
  return Logged(KubeError("POST", path, response));
}

absl::Status KubernetesProvider::Terminate(const std::string& instance_id) {
  if (!IsDns1123Label(instance_id)) {
    return absl::InvalidArgumentError(absl::StrCat("instance id \"", instance_id, "\" is not a DNS-1123 label"));
  }
  const std::string path = NamespacePath("pods/" + instance_id);
  ASSIGN_OR_RETURN(KubeResponse response, client_->Request("DELETE", path));
  if (IsSuccess(response.http_code) || response.http_code == 404) {
    PHOTON_LOG(INFO) << "kubernetes provider: deleted pod " << options_.pod_namespace << "/" << instance_id
                     << (response.http_code == 404 ? " (already gone)" : "");
    return absl::OkStatus();
  }
  return Logged(KubeError("DELETE", path, response));
}

absl::StatusOr<std::map<std::string, ProviderInstance>> KubernetesProvider::List() {
  const std::string selector = absl::StrCat(kClusterLabel, "=", options_.cluster_name, ",", kInstanceIdLabel);
  std::map<std::string, ProviderInstance> instances;
  std::string continue_token;
  do {
    std::string path = absl::StrCat(NamespacePath("pods"), "?labelSelector=", QueryEscape(selector),
                                    "&limit=", options_.list_page_size);
    if (!continue_token.empty()) absl::StrAppend(&path, "&continue=", QueryEscape(continue_token));
    ASSIGN_OR_RETURN(KubeResponse response, client_->Request("GET", path));
    if (response.http_code != 200) return Logged(KubeError("GET", path, response));
    const json& items = response.body.is_object() ? response.body["items"] : json();
    if (!items.is_array()) {
      return Logged(absl::UnavailableError(absl::StrCat("GET ", path, ": HTTP 200 without a PodList: ",
                                                        response.raw.substr(0, 200))));
    }
    for (const json& pod : items) {
      ProviderInstance instance = InstanceFromPod(pod);
      instances[instance.instance_id] = std::move(instance);
    }
    const json& metadata = response.body["metadata"];
    continue_token = metadata.is_object() && metadata.contains("continue") && metadata["continue"].is_string()
                         ? metadata["continue"].get<std::string>()
                         : "";
  } while (!continue_token.empty());
  return instances;
}

}  // namespace autoscaler
}  // namespace photon
