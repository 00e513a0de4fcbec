#include "cli/status_format.h"

#include <map>
#include <sstream>

#include "absl/strings/str_format.h"
#include "core/common/id.h"
#include "core/rpc/addresses.h"

namespace photon {
namespace cli {
namespace {

constexpr char kRule[] = "--------------------------------------------------------------------";

bool IsMemory(const std::string& name) { return name == "memory" || name == "object_store_memory"; }
bool IsNodeMarker(const std::string& name) { return name.rfind("node:", 0) == 0; }

std::string Amount(const std::string& name, double used, double total) {
  if (IsMemory(name)) return FormatBytes(used) + "/" + FormatBytes(total) + " " + name;
  return absl::StrFormat("%.1f/%.1f %s", used, total, name);
}

// Resources in display order: CPU, GPU, custom ones by name, then memory.
std::vector<std::string> Ordered(const std::map<std::string, std::pair<double, double>>& amounts) {
  std::vector<std::string> order;
  for (const char* first : {"CPU", "GPU"}) {
    if (amounts.count(first)) order.push_back(first);
  }
  for (const auto& [name, _] : amounts) {
    if (name != "CPU" && name != "GPU" && !IsMemory(name)) order.push_back(name);
  }
  for (const char* last : {"memory", "object_store_memory"}) {
    if (amounts.count(last)) order.push_back(last);
  }
  return order;
}

std::string NodeLine(const rpc::GcsNodeInfo& node) {
  std::string id = NodeID::FromBinary(node.node_id()).ok() ? NodeID::FromBinary(node.node_id())->Hex()
                                                           : "(bad id)";
  return absl::StrFormat("  %s %s%s", id, rpc::RayletAddress(node), node.is_head() ? " (head)" : "");
}

}  // namespace

std::string FormatBytes(double bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return absl::StrFormat("%.0fB", bytes);
  double v = bytes / 1024;
  int unit = 0;
  while (v >= 1024 && unit < 3) {
    v /= 1024;
    unit++;
  }
  return absl::StrFormat("%.2f%s", v, kUnits[unit]);
}

std::string FormatStatus(const std::vector<rpc::GcsNodeInfo>& nodes,
                         const std::vector<rpc::ResourceUsage>& usages, absl::Time now) {
  std::map<std::string, rpc::ResourceUsage> usage_by_node;
  for (const rpc::ResourceUsage& u : usages) usage_by_node[u.node_id()] = u;

  std::ostringstream out;
  out << "======== Photon cluster status: "
      << absl::FormatTime("%Y-%m-%d %H:%M:%S", now, absl::LocalTimeZone()) << " ========\n";
  out << "Node status\n" << kRule << "\n";
  std::vector<const rpc::GcsNodeInfo*> alive, dead;
  for (const rpc::GcsNodeInfo& n : nodes) {
    (n.state() == rpc::GcsNodeInfo::ALIVE ? alive : dead).push_back(&n);
  }
  std::map<std::string, std::pair<double, double>> cluster;  // name -> (used, total)
  out << "Alive:\n";
  if (alive.empty()) out << " (no alive nodes)\n";
  else out << " " << alive.size() << (alive.size() == 1 ? " node\n" : " nodes\n");
  for (const rpc::GcsNodeInfo* n : alive) {
    out << NodeLine(*n) << "\n";
    auto it = usage_by_node.find(n->node_id());
    const rpc::ResourceSet& total = it != usage_by_node.end() ? it->second.total() : n->resources_total();
    const rpc::ResourceSet& available =
        it != usage_by_node.end() ? it->second.available() : n->resources_total();
    std::map<std::string, std::pair<double, double>> mine;
    for (const auto& [name, amount] : total.amounts()) {
      if (IsNodeMarker(name)) continue;
      auto avail = available.amounts().find(name);
      double used = amount - (avail != available.amounts().end() ? avail->second : amount);
      mine[name] = {used, amount};
      cluster[name].first += used;
      cluster[name].second += amount;
    }
    out << "   ";
    for (const std::string& name : Ordered(mine)) out << " " << Amount(name, mine[name].first, mine[name].second) << ";";
    out << "\n";
    if (it != usage_by_node.end() && it->second.has_object_store()) {
      const rpc::StoreStats& store = it->second.object_store();
      out << "    object store: " << FormatBytes(store.used_bytes()) << " used, "
          << FormatBytes(store.pinned_bytes()) << " pinned, " << FormatBytes(store.spilled_bytes())
          << " spilled, " << store.num_objects() << " objects\n";
    }
  }
  out << "Dead:\n";
  if (dead.empty()) out << " (no dead nodes)\n";
  else out << " " << dead.size() << (dead.size() == 1 ? " node\n" : " nodes\n");
  for (const rpc::GcsNodeInfo* n : dead) {
    out << NodeLine(*n) << " - " << n->death_reason() << "\n";
  }
  out << "\nResources\n" << kRule << "\nUsage:\n";
  if (cluster.empty()) out << " (no resources)\n";
  for (const std::string& name : Ordered(cluster)) {
    out << " " << Amount(name, cluster[name].first, cluster[name].second) << "\n";
  }
  return out.str();
}

}  // namespace cli
}  // namespace photon
