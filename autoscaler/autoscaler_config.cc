#include "autoscaler/autoscaler_config.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace photon {
namespace autoscaler {
namespace {

// yaml-cpp reports problems by throwing; everything here uses the
// non-throwing YAML::convert<T>::decode, and the two calls that can throw
// (Load, and iterating a malformed map) are wrapped in ParseAutoscalerConfig.

std::string Where(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? "" : absl::StrCat(" (line ", mark.line + 1, ")");
}

absl::Status Invalid(const std::string& key, const YAML::Node& node, const std::string& problem) {
  return absl::InvalidArgumentError(absl::StrCat("autoscaler config: ", key, Where(node), ": ", problem));
}

std::string Shown(const YAML::Node& node) {
  if (node.IsScalar()) return absl::StrCat("'", node.Scalar(), "'");
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "nothing";
}

// The keys of `map`, which must be a map (or absent/null: no keys), each
// one of `allowed`.
absl::Status CheckMap(const YAML::Node& map, const std::string& key, const std::set<std::string>& allowed) {
  if (!map || map.IsNull()) return absl::OkStatus();
  if (!map.IsMap()) return Invalid(key, map, absl::StrCat("expected a map, got ", Shown(map)));
  for (const auto& item : map) {
    std::string name;
    if (!YAML::convert<std::string>::decode(item.first, name) || !item.first.IsScalar()) {
      return Invalid(key, item.first, "keys must be plain strings");
    }
    if (!allowed.empty() && allowed.count(name) == 0) {
      return Invalid(key.empty() ? name : absl::StrCat(key, ".", name), item.first,
                     absl::StrCat("unknown key (expected one of: ", absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

// What Kubernetes accepts inside a pod name (RFC 1123 label characters).
bool IsDnsLabel(const std::string& name) {
  if (name.empty() || name.size() > 40 || name.front() == '-' || name.back() == '-') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<double> NonNegativeDouble(const YAML::Node& node, const std::string& key) {
  double value = 0;
  if (!YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
    return Invalid(key, node, absl::StrCat("expected a number, got ", Shown(node)));
  }
  if (value < 0) return Invalid(key, node, absl::StrCat("must not be negative, got ", node.Scalar()));
  return value;
}

absl::StatusOr<int> NonNegativeInt(const YAML::Node& node, const std::string& key) {
  int value = 0;
  if (!YAML::convert<int>::decode(node, value)) {
    return Invalid(key, node, absl::StrCat("expected a whole number, got ", Shown(node)));
  }
  if (value < 0) return Invalid(key, node, absl::StrCat("must not be negative, got ", node.Scalar()));
  return value;
}

absl::StatusOr<std::string> ScalarString(const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) return Invalid(key, node, absl::StrCat("expected a string, got ", Shown(node)));
  return node.Scalar();
}

// Reads `key` of `parent` into `out` when present; `out` keeps its default otherwise.
absl::Status ReadDouble(const YAML::Node& parent, const char* key, bool positive, double& out) {
  const YAML::Node node = parent[key];
  if (!node) return absl::OkStatus();
  ASSIGN_OR_RETURN(out, NonNegativeDouble(node, key));
  if (positive && out == 0) return Invalid(key, node, "must be greater than 0");
  return absl::OkStatus();
}

absl::StatusOr<ProviderConfig> ParseProvider(const YAML::Node& node) {
  ProviderConfig provider;
  if (!node) return provider;
  RETURN_IF_ERROR(CheckMap(node, "provider", {}));
  for (const auto& item : node) {
    const std::string name = item.first.Scalar();
    ASSIGN_OR_RETURN(std::string value, ScalarString(item.second, "provider." + name));
    if (name == "type") {
      provider.type = value;
    } else {
      provider.settings[name] = value;
    }
  }
  if (provider.type == "kubernetes") {
    for (const char* required : {"namespace", "pod_template_configmap", "cluster_name"}) {
      if (provider.settings.count(required) == 0 || provider.settings[required].empty()) {
        return Invalid(absl::StrCat("provider.", required), node, "required when provider.type is kubernetes");
      }
    }
  } else if (provider.type != "local") {
    return Invalid("provider.type", node["type"],
                   absl::StrCat("unknown provider '", provider.type, "' (expected local or kubernetes)"));
  }
  return provider;
}

absl::StatusOr<NodeTypeConfig> ParseNodeType(const std::string& name, const YAML::Node& node, int cluster_max) {
  const std::string key = "node_types." + name;
  if (!node.IsMap()) return Invalid(key, node, absl::StrCat("expected a map, got ", Shown(node)));
  RETURN_IF_ERROR(CheckMap(node, key, {"resources", "min_workers", "max_workers", "labels"}));
  NodeTypeConfig type;
  type.name = name;

  const YAML::Node resources = node["resources"];
  if (!resources || resources.IsNull()) return Invalid(key + ".resources", node, "required");
  RETURN_IF_ERROR(CheckMap(resources, key + ".resources", {}));
  for (const auto& item : resources) {
    const std::string resource = item.first.Scalar();
    ASSIGN_OR_RETURN(double amount, NonNegativeDouble(item.second, absl::StrCat(key, ".resources.", resource)));
    if (amount > 0) type.resources[resource] = amount;
  }
  if (type.resources.empty()) return Invalid(key + ".resources", resources, "a node type must offer some resource");

  // max_workers defaults to the cluster's: a type without one is bounded by it.
  type.max_workers = cluster_max;
  if (node["min_workers"]) {
    ASSIGN_OR_RETURN(type.min_workers, NonNegativeInt(node["min_workers"], key + ".min_workers"));
  }
  if (node["max_workers"]) {
    ASSIGN_OR_RETURN(type.max_workers, NonNegativeInt(node["max_workers"], key + ".max_workers"));
  }
  if (type.min_workers > type.max_workers) {
    return Invalid(key + ".min_workers", node["min_workers"],
                   absl::StrCat(type.min_workers, " is more than max_workers ", type.max_workers));
  }

  const YAML::Node labels = node["labels"];
  RETURN_IF_ERROR(CheckMap(labels, key + ".labels", {}));
  if (labels) {
    for (const auto& item : labels) {
      const std::string label = item.first.Scalar();
      if (label.rfind("photon.io/", 0) == 0) {
        return Invalid(absl::StrCat(key, ".labels.", label), item.first,
                       "the photon.io/ prefix is reserved (the autoscaler sets these labels)");
      }
      ASSIGN_OR_RETURN(type.labels[label], ScalarString(item.second, absl::StrCat(key, ".labels.", label)));
    }
  }
  return type;
}

absl::StatusOr<AutoscalerConfig> Parse(const YAML::Node& root) {
  if (!root || root.IsNull()) return absl::InvalidArgumentError("autoscaler config: empty document");
  RETURN_IF_ERROR(CheckMap(root, "",
                           {"provider", "max_workers", "idle_timeout_s", "upscaling_speed", "loop_period_s",
                            "launch_timeout_s", "node_types"}));
  AutoscalerConfig config;
  ASSIGN_OR_RETURN(config.provider, ParseProvider(root["provider"]));
  if (root["max_workers"]) {
    ASSIGN_OR_RETURN(config.max_workers, NonNegativeInt(root["max_workers"], "max_workers"));
  }
  RETURN_IF_ERROR(ReadDouble(root, "idle_timeout_s", false, config.idle_timeout_s));
  RETURN_IF_ERROR(ReadDouble(root, "upscaling_speed", false, config.upscaling_speed));
  RETURN_IF_ERROR(ReadDouble(root, "loop_period_s", true, config.loop_period_s));
  RETURN_IF_ERROR(ReadDouble(root, "launch_timeout_s", true, config.launch_timeout_s));

  const YAML::Node types = root["node_types"];
  if (!types || types.IsNull()) return Invalid("node_types", root, "required (at least one node type)");
  RETURN_IF_ERROR(CheckMap(types, "node_types", {}));
  for (const auto& item : types) {
    const std::string name = item.first.Scalar();
    if (config.FindType(name) != nullptr) return Invalid("node_types." + name, item.first, "defined twice");
    if (config.provider.type == "kubernetes" && !IsDnsLabel(name)) {
      return Invalid("node_types." + name, item.first,
                     "with the kubernetes provider a type name becomes part of pod names: use lowercase "
                     "letters, digits and '-', starting and ending with a letter or digit");
    }
    ASSIGN_OR_RETURN(NodeTypeConfig type, ParseNodeType(name, item.second, config.max_workers));
    config.node_types.push_back(std::move(type));
  }
  if (config.node_types.empty()) return Invalid("node_types", types, "at least one node type is required");
  return config;
}

}  // namespace

const NodeTypeConfig* AutoscalerConfig::FindType(const std::string& name) const {
  for (const NodeTypeConfig& type : node_types) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

absl::StatusOr<AutoscalerConfig> ParseAutoscalerConfig(const std::string& yaml) {
  try {
    return Parse(YAML::Load(yaml));
  } catch (const YAML::Exception& e) {
    // Malformed YAML: e.what() carries the line and column.
    return absl::InvalidArgumentError(absl::StrCat("autoscaler config: malformed YAML: ", e.what()));
  }
}

}  // namespace autoscaler
}  // namespace photon
