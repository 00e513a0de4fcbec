#include "core/core_worker/task_options.h"

#include "absl/strings/str_cat.h"

namespace photon {
namespace core {

absl::Status ValidateResources(const std::map<std::string, double>& resources, const char* kind,
                               const std::string& name) {
  for (const auto& [resource, amount] : resources) {
    if (resource.empty() || !(amount >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat(kind, " ", name, ": bad resource '", resource, "': ", amount));
    }
  }
  return absl::OkStatus();
}

void AddResources(const std::map<std::string, double>& resources, rpc::ResourceSet* out) {
  for (const auto& [name, amount] : resources) {
    if (amount > 0) (*out->mutable_amounts())[name] = amount;
  }
}

absl::Status TaskOptions::Validate(const char* kind, const std::string& name) const {
  if (num_returns < 0) return absl::InvalidArgumentError(absl::StrCat(kind, " ", name, ": num_returns is ", num_returns));
  return ValidateResources(resources, kind, name);
}

absl::Status ActorOptions::Validate(const char* kind, const std::string& name) const {
  if (absl::Status s = ValidateResources(resources, kind, name); !s.ok()) return s;
  if (max_concurrency < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(kind, " ", name, ": max_concurrency must be at least 1, not ", max_concurrency));
  }
  return absl::OkStatus();
}

}  // namespace core
}  // namespace photon
