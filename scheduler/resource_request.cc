#include "scheduler/resource_request.h"

#include <algorithm>
#include <sstream>

namespace photon {
namespace scheduler {

ResourceNames::ResourceNames() {
  for (const char* name : {"CPU", "GPU", "memory", "object_store_memory"}) Intern(name);
}

ResourceNames& ResourceNames::Global() {
  static ResourceNames* names = new ResourceNames();
  return *names;
}

ResourceId ResourceNames::Intern(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(name);
  if (it != ids_.end()) return it->second;
  ResourceId id = static_cast<ResourceId>(names_.size());
  ids_.emplace(name, id);
  names_.push_back(name);
  return id;
}

ResourceId ResourceNames::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(name);
  return it == ids_.end() ? -1 : it->second;
}

std::string ResourceNames::Name(ResourceId id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return id >= 0 && id < static_cast<ResourceId>(names_.size()) ? names_[id] : "?";
}

int ResourceNames::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(names_.size());
}

ResourceRequest ResourceRequest::FromMap(const std::map<std::string, double>& amounts, ResourceNames& names) {
  ResourceRequest request;
  for (const auto& [name, amount] : amounts) request.Set(names.Intern(name), FixedPoint::FromDouble(amount));
  return request;
}

void ResourceRequest::Set(ResourceId id, FixedPoint amount) {
  auto it = std::lower_bound(items_.begin(), items_.end(), id,
                             [](const auto& item, ResourceId key) { return item.first < key; });
  if (it != items_.end() && it->first == id) {
    if (amount.units() <= 0) {
      items_.erase(it);
    } else {
      it->second = amount;
    }
    return;
  }
  if (amount.units() > 0) items_.insert(it, {id, amount});
}

FixedPoint ResourceRequest::Get(ResourceId id) const {
  for (const auto& [rid, amount] : items_) {
    if (rid == id) return amount;
  }
  return FixedPoint();
}

std::string ResourceRequest::DebugString(const ResourceNames& names) const {
  std::ostringstream out;
  out << "{";
  for (size_t i = 0; i < items_.size(); i++) {
    out << (i ? ", " : "") << names.Name(items_[i].first) << ": " << items_[i].second.ToDouble();
  }
  out << "}";
  return out.str();
}

}  // namespace scheduler
}  // namespace photon
