#include "core/core_worker/task_options.h"

#include "absl/strings/str_cat.h"

namespace photon {
namespace core {

absl::Status ValidateResources(const std::map<std::string, double>& resources, const std::string& what) {
  for (const auto& [name, amount] : resources) {
    if (name.empty() || !(amount >= 0)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": bad resource '", name, "': ", amount));
    }
  }
  return absl::OkStatus();
}

rpc::ResourceSet ToResourceSet(const std::map<std::string, double>& resources) {
  rpc::ResourceSet out;
  for (const auto& [name, amount] : resources) {
    if (amount > 0) (*out.mutable_amounts())[name] = amount;
  }
  return out;
}

absl::Status TaskOptions::Validate(const std::string& what) const {
  if (num_returns < 0) return absl::InvalidArgumentError(absl::StrCat(what, ": num_returns is ", num_returns));
  return ValidateResources(resources, what);
}

absl::Status ActorOptions::Validate(const std::string& what) const {
  if (absl::Status s = ValidateResources(resources, what); !s.ok()) return s;
  if (max_concurrency < 1) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": max_concurrency must be at least 1, not ", max_concurrency));
  }
  return absl::OkStatus();
}

}  // namespace core
}  // namespace photon
