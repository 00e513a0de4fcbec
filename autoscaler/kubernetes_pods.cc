#include "autoscaler/kubernetes_pods.h"

#include <cmath>
#include <cstdint>
#include <map>

#include "absl/strings/str_cat.h"

namespace photon {
namespace autoscaler {
namespace {

using nlohmann::json;

const json& At(const json& object, const char* key) {
  static const json* const kNull = new json();
  if (!object.is_object()) return *kNull;
  auto it = object.find(key);
  return it == object.end() ? *kNull : *it;
}

std::string Str(const json& object, const char* key) {
  const json& value = At(object, key);
  return value.is_string() ? value.get<std::string>() : "";
}

// `parent[key]`, made an empty object when absent; InvalidArgument naming
// `where` when it holds something else.
absl::StatusOr<json*> ObjectField(json& parent, const char* key, const std::string& where) {
  json& field = parent[key];
  if (field.is_null()) field = json::object();
  if (!field.is_object()) return absl::InvalidArgumentError(absl::StrCat("pod template: ", where, " must be an object"));
  return &field;
}

bool IsWhole(double value) { return std::fabs(value - std::round(value)) < 1e-9; }

std::string FormatNumber(double value) {
  return IsWhole(value) ? absl::StrCat(static_cast<int64_t>(std::llround(value))) : absl::StrCat(value);
}

// A Kubernetes CPU quantity: whole CPUs, else millicores.
std::string CpuQuantity(double cpus) {
  if (IsWhole(cpus)) return FormatNumber(cpus);
  return absl::StrCat(std::llround(cpus * 1000), "m");
}

absl::Status SetResources(json& container, const Resources& resources) {
  json quantities = json::object();
  if (auto it = resources.find("CPU"); it != resources.end() && it->second > 0) {
    quantities["cpu"] = CpuQuantity(it->second);
  }
  if (auto it = resources.find("memory"); it != resources.end() && it->second > 0) {
    quantities["memory"] = absl::StrCat(std::llround(it->second));
  }
  if (auto it = resources.find("GPU"); it != resources.end() && it->second > 0) {
    if (!IsWhole(it->second)) {
      return absl::InvalidArgumentError(
          absl::StrCat("GPU ", it->second, ": Kubernetes schedules whole GPUs (", kGpuResourceName, ") only"));
    }
    quantities[kGpuResourceName] = FormatNumber(it->second);
  }
  json* requirements;
  {
    absl::StatusOr<json*> field = ObjectField(container, "resources", "the worker container's resources");
    if (!field.ok()) return field.status();
    requirements = *field;
  }
  for (const char* kind : {"requests", "limits"}) {
    absl::StatusOr<json*> field = ObjectField(*requirements, kind, absl::StrCat("resources.", kind));
    if (!field.ok()) return field.status();
    for (auto& [name, quantity] : quantities.items()) (**field)[name] = quantity;
  }
  return absl::OkStatus();
}

absl::Status SetEnv(json& container, const std::map<std::string, std::string>& variables) {
  json& env = container["env"];
  if (env.is_null()) env = json::array();
  if (!env.is_array()) return absl::InvalidArgumentError("pod template: the worker container's env must be a list");
  json kept = json::array();
  for (const json& entry : env) {
    if (variables.count(Str(entry, "name")) == 0) kept.push_back(entry);
  }
  for (const auto& [name, value] : variables) kept.push_back({{"name", name}, {"value", value}});
  env = std::move(kept);
  return absl::OkStatus();
}

std::map<std::string, std::string> WorkerEnv(const WorkerPodSpec& spec) {
  const Resources& resources = spec.type->resources;
  auto amount = [&](const char* name) {
    auto it = resources.find(name);
    return it == resources.end() ? 0.0 : it->second;
  };
  json custom = json::object();
  for (const auto& [name, value] : resources) {
    if (name != "CPU" && name != "GPU" && name != "memory") custom[name] = value;
  }
  json labels(spec.type->labels);
  labels[kNodeTypeLabel] = spec.type->name;
  labels[kInstanceIdLabel] = spec.instance_id;
  std::map<std::string, std::string> env = {
      {"PHOTON_NUM_CPUS", FormatNumber(amount("CPU"))},
      {"PHOTON_NUM_GPUS", FormatNumber(amount("GPU"))},
      {"PHOTON_RESOURCES", custom.dump()},
      {"PHOTON_NODE_LABELS", labels.dump()},
  };
  if (amount("memory") > 0) env["PHOTON_MEMORY"] = absl::StrCat(std::llround(amount("memory")));
  return env;
}

const json* FindCondition(const json& pod, const char* type, const char* status) {
  const json& conditions = At(At(pod, "status"), "conditions");
  if (!conditions.is_array()) return nullptr;
  for (const json& condition : conditions) {
    if (Str(condition, "type") == type && Str(condition, "status") == status) return &condition;
  }
  return nullptr;
}

bool HasCondition(const json& pod, const char* type, const char* status) {
  return FindCondition(pod, type, status) != nullptr;
}

// "reason: message" of the first condition of `type` with status `status`, or "".
std::string ConditionText(const json& pod, const char* type, const char* status) {
  const json* condition = FindCondition(pod, type, status);
  if (condition == nullptr) return "";
  const std::string reason = Str(*condition, "reason");
  const std::string message = Str(*condition, "message");
  if (reason.empty()) return message;
  return message.empty() ? reason : absl::StrCat(reason, ": ", message);
}

// About the first container in state `state` ("waiting" or "terminated").
std::string ContainerText(const json& pod, const char* state) {
  const json& statuses = At(At(pod, "status"), "containerStatuses");
  if (!statuses.is_array()) return "";
  for (const json& container : statuses) {
    const json& detail = At(At(container, "state"), state);
    if (!detail.is_object()) continue;
    std::string text = absl::StrCat("container ", Str(container, "name"), " ", state, ": ", Str(detail, "reason"));
    if (const json& code = At(detail, "exitCode"); code.is_number_integer()) {
      absl::StrAppend(&text, " (exit code ", code.get<int64_t>(), ")");
    }
    if (const std::string message = Str(detail, "message"); !message.empty()) absl::StrAppend(&text, ": ", message);
    return text;
  }
  return "";
}

std::string PendingReason(const json& pod) {
  if (std::string unscheduled = ConditionText(pod, "PodScheduled", "False"); !unscheduled.empty()) {
    return unscheduled;
  }
  if (std::string waiting = ContainerText(pod, "waiting"); !waiting.empty()) return waiting;
  const std::string node = Str(At(pod, "spec"), "nodeName");
  return node.empty() ? "waiting to be scheduled" : absl::StrCat("scheduled on ", node, ", starting");
}

std::string FailedReason(const json& pod) {
  const json& status = At(pod, "status");
  const std::string reason = Str(status, "reason");
  const std::string message = Str(status, "message");
  if (!reason.empty() || !message.empty()) {
    return reason.empty() ? message : message.empty() ? reason : absl::StrCat(reason, ": ", message);
  }
  std::string terminated = ContainerText(pod, "terminated");
  return terminated.empty() ? "pod failed" : terminated;
}

}  // namespace

bool IsDns1123Label(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!alnum(c) && c != '-') return false;
  }
  return alnum(name.front()) && alnum(name.back());
}

absl::StatusOr<json> WorkerPod(const json& pod_template, const WorkerPodSpec& spec) {
  if (!IsDns1123Label(spec.instance_id)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "instance id \"", spec.instance_id, "\" is not a DNS-1123 label (1-63 of a-z, 0-9 and '-', alphanumeric at "
        "both ends), as a pod name and label value must be"));
  }
  if (!pod_template.is_object()) return absl::InvalidArgumentError("pod template: not a JSON object");
  const std::string kind = Str(pod_template, "kind");
  if (!kind.empty() && kind != "Pod") {
    return absl::InvalidArgumentError(absl::StrCat("pod template: kind is \"", kind, "\", not \"Pod\""));
  }
  json pod = pod_template;
  pod["apiVersion"] = "v1";
  pod["kind"] = "Pod";
  pod.erase("status");

  absl::StatusOr<json*> metadata = ObjectField(pod, "metadata", "metadata");
  if (!metadata.ok()) return metadata.status();
  for (const char* generated : {"generateName", "uid", "resourceVersion", "creationTimestamp", "selfLink",
                                "managedFields", "deletionTimestamp"}) {
    (*metadata)->erase(generated);
  }
  (**metadata)["name"] = spec.instance_id;
  (**metadata)["namespace"] = spec.pod_namespace;
  absl::StatusOr<json*> labels = ObjectField(**metadata, "labels", "metadata.labels");
  if (!labels.ok()) return labels.status();
  for (const auto& [key, value] : spec.type->labels) (**labels)[key] = value;
  (**labels)[kClusterLabel] = spec.cluster_name;
  (**labels)[kNodeTypeLabel] = spec.type->name;
  (**labels)[kInstanceIdLabel] = spec.instance_id;

  absl::StatusOr<json*> pod_spec = ObjectField(pod, "spec", "spec");
  if (!pod_spec.ok()) return pod_spec.status();
  json& containers = (**pod_spec)["containers"];
  if (!containers.is_array() || containers.empty() || !containers[0].is_object()) {
    return absl::InvalidArgumentError("pod template: spec.containers must list at least one container");
  }
  json* worker = &containers[0];
  for (json& container : containers) {
    if (Str(container, "name") == kWorkerContainerName) worker = &container;
  }
  if (absl::Status s = SetResources(*worker, spec.type->resources); !s.ok()) return s;
  if (absl::Status s = SetEnv(*worker, WorkerEnv(spec)); !s.ok()) return s;
  return pod;
}

ProviderInstance InstanceFromPod(const json& pod) {
  const json& metadata = At(pod, "metadata");
  const json& labels = At(metadata, "labels");
  ProviderInstance instance;
  instance.instance_id = Str(labels, kInstanceIdLabel);
  if (instance.instance_id.empty()) instance.instance_id = Str(metadata, "name");
  instance.node_type = Str(labels, kNodeTypeLabel);

  const std::string phase = Str(At(pod, "status"), "phase");
  if (!At(metadata, "deletionTimestamp").is_null()) {
    instance.state = InstanceState::kTerminated;
    instance.message = absl::StrCat("being deleted (phase ", phase.empty() ? "unknown" : phase, ")");
  } else if (phase == "Pending") {
    instance.state = InstanceState::kRequested;
    instance.message = PendingReason(pod);
  } else if (phase == "Running") {
    const bool ready = HasCondition(pod, "Ready", "True");
    instance.state = ready ? InstanceState::kRunning : InstanceState::kAllocated;
    if (!ready) {
      std::string why = ConditionText(pod, "Ready", "False");
      instance.message = why.empty() ? "running, not ready yet" : why;
    }
  } else if (phase == "Failed") {
    instance.state = InstanceState::kFailed;
    instance.message = FailedReason(pod);
  } else if (phase == "Succeeded") {
    instance.state = InstanceState::kTerminated;
    instance.message = "pod succeeded: its containers exited";
  } else {
    instance.state = InstanceState::kAllocated;
    const std::string message = Str(At(pod, "status"), "message");
    instance.message = absl::StrCat("phase ", phase.empty() ? "unknown" : phase, ": ",
                                    message.empty() ? "its node is not reporting" : message);
  }
  return instance;
}

}  // namespace autoscaler
}  // namespace photon
