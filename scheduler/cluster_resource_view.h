#pragma once

// ClusterResourceView: total and available resources of every node, as the
// scheduler sees them (from GCS resource reports plus its own allocations).
//
// Nodes get a dense index on first sight and keep it; a dead node stays in
// place, marked dead. Quantities sit in one array per resource, indexed by
// node, so a scheduling pass over thousands of nodes touches a few
// contiguous arrays.
//
//   ClusterResourceView view(ResourceNames::Global());
//   int n = view.UpdateNode(node_id, {{"CPU", 8}}, {{"CPU", 6}});
//   if (view.Fits(n, request)) view.Allocate(n, request);
//
// Thread-compatible (the raylet loop owns it).

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/common/id.h"
#include "scheduler/resource_request.h"

namespace photon {
namespace scheduler {

class ClusterResourceView {
 public:
  explicit ClusterResourceView(ResourceNames& names) : names_(names) {}

  // Adds the node (alive) or refreshes its quantities; returns its index.
  int UpdateNode(const NodeID& node, const std::map<std::string, double>& total,
                 const std::map<std::string, double>& available);
  void MarkDead(const NodeID& node);

  // -1 when unknown.
  int NodeIndex(const NodeID& node) const;
  const NodeID& NodeAt(int index) const { return nodes_[index]; }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  bool IsAlive(int index) const { return alive_[index] != 0; }

  FixedPoint Total(int node, ResourceId id) const;
  FixedPoint Available(int node, ResourceId id) const;
  // Enough available right now.
  bool Fits(int node, const ResourceRequest& request) const {
    for (const auto& [id, amount] : request.items()) {
      if (id >= static_cast<int>(available_.size()) || available_[id][node] < amount.units()) return false;
    }
    return true;
  }
  // Enough in total: the request can run there some day.
  bool Feasible(int node, const ResourceRequest& request) const {
    for (const auto& [id, amount] : request.items()) {
      if (id >= static_cast<int>(total_.size()) || total_[id][node] < amount.units()) return false;
    }
    return true;
  }
  // The largest used/total fraction among the requested resources once
  // `request` is placed on `node` (0 when it asks for nothing).
  double UtilizationAfter(int node, const ResourceRequest& request) const;

  // REQUIRES: Fits(node, request) for Allocate.
  void Allocate(int node, const ResourceRequest& request);
  void Free(int node, const ResourceRequest& request);

  ResourceNames& names() const { return names_; }

 private:
  void EnsureResource(ResourceId id);
  void Set(int node, const std::map<std::string, double>& amounts, std::vector<std::vector<int64_t>>& table);

  ResourceNames& names_;
  std::vector<NodeID> nodes_;
  absl::flat_hash_map<NodeID, int> index_;
  std::vector<char> alive_;
  std::vector<std::vector<int64_t>> total_;      // [resource][node], FixedPoint units
  std::vector<std::vector<int64_t>> available_;  // [resource][node]
};

}  // namespace scheduler
}  // namespace photon
