#pragma once

// Resource names as small integers, and requests built from them.
//
// Every resource name is interned once into a ResourceId (CPU, GPU, memory
// and object_store_memory are 0-3; custom ones follow), so the scheduler's
// hot loop compares integers in dense arrays instead of looking up strings.
//
//   ResourceNames& names = ResourceNames::Global();
//   ResourceRequest req = ResourceRequest::FromMap({{"CPU", 0.5}, {"special", 1}}, names);
//
// ResourceNames is thread-safe; ResourceRequest is a value type.

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scheduler/fixed_point.h"

namespace photon {
namespace scheduler {

using ResourceId = int;

inline constexpr ResourceId kCpu = 0;
inline constexpr ResourceId kGpu = 1;
inline constexpr ResourceId kMemory = 2;
inline constexpr ResourceId kObjectStoreMemory = 3;

class ResourceNames {
 public:
  ResourceNames();
  static ResourceNames& Global();

  ResourceId Intern(const std::string& name);
  // -1 when the name was never interned.
  ResourceId Find(const std::string& name) const;
  std::string Name(ResourceId id) const;
  int size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, ResourceId> ids_;  // guarded by mu_
  std::vector<std::string> names_;                   // guarded by mu_
};

// What one task or actor needs: (resource, amount) pairs, amounts > 0.
class ResourceRequest {
 public:
  ResourceRequest() = default;
  static ResourceRequest FromMap(const std::map<std::string, double>& amounts, ResourceNames& names);

  void Set(ResourceId id, FixedPoint amount);
  FixedPoint Get(ResourceId id) const;
  const std::vector<std::pair<ResourceId, FixedPoint>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  std::string DebugString(const ResourceNames& names) const;

  // Same resources and amounts: the same shape.
  bool operator==(const ResourceRequest& o) const { return items_ == o.items_; }
  bool operator<(const ResourceRequest& o) const { return items_ < o.items_; }

 private:
  std::vector<std::pair<ResourceId, FixedPoint>> items_;  // sorted by id
};

}  // namespace scheduler
}  // namespace photon
