// Worker methods for placement groups: create, remove, wait, and the GCS's
// record of one (by id, or by name in this job's namespace).
#include <map>

#include "python/photon/_core/bind.h"

namespace photon {
namespace python {
namespace {

const char* StateName(rpc::PlacementGroupState s) {
  switch (s) {
    case rpc::PG_PENDING: return "PENDING";
    case rpc::PG_CREATED: return "CREATED";
    case rpc::PG_REMOVED: return "REMOVED";
    case rpc::PG_RESCHEDULING: return "RESCHEDULING";
    default: return "UNKNOWN";
  }
}

rpc::PlacementStrategy ParseStrategy(const std::string& strategy) {
  if (strategy == "PACK") return rpc::PACK;
  if (strategy == "SPREAD") return rpc::SPREAD_BUNDLES;
  if (strategy == "STRICT_PACK") return rpc::STRICT_PACK;
  if (strategy == "STRICT_SPREAD") return rpc::STRICT_SPREAD;
  throw py::value_error("unknown placement strategy '" + strategy + "' (PACK, SPREAD, STRICT_PACK or STRICT_SPREAD)");
}

py::dict GroupDict(const rpc::PlacementGroupTableData& data) {
  static const char* kStrategies[] = {"PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"};
  py::dict out;
  out["placement_group_id"] = py::bytes(data.placement_group_id());
  out["name"] = data.name();
  out["state"] = StateName(data.state());
  out["pending_reason"] = data.pending_reason();
  out["strategy"] = kStrategies[std::min<int>(data.strategy(), 3)];
  py::list bundles;
  for (const rpc::Bundle& b : data.bundles()) {
    py::dict bundle;
    bundle["resources"] = std::map<std::string, double>(b.resources().amounts().begin(), b.resources().amounts().end());
    bundle["node_id"] = py::bytes(b.node_id());
    bundles.append(bundle);
  }
  out["bundles"] = bundles;
  return out;
}

}  // namespace

void BindPlacementGroups(WorkerClass& w) {
  w.def("create_placement_group",
        [](PyWorker& self, const std::vector<std::map<std::string, double>>& bundles, const std::string& strategy,
           const std::string& name, bool detached) {
          CoreWorker& cw = self.Get();
          const rpc::PlacementStrategy s = ParseStrategy(strategy);
          const PlacementGroupID id = WithoutGil([&] { return cw.placement_groups().Create(bundles, s, name, detached); });
          return py::bytes(id.Binary());
        })
      .def("remove_placement_group",
           [](PyWorker& self, const py::bytes& id) {
             CoreWorker& cw = self.Get();
             const PlacementGroupID pg = IdFromBytes<PlacementGroupID>(id, "placement group id");
             WithoutGil([&] { return cw.placement_groups().Remove(pg); });
           })
      .def("wait_placement_group",
           [](PyWorker& self, const py::bytes& id, int64_t timeout_ms) {
             CoreWorker& cw = self.Get();
             const PlacementGroupID pg = IdFromBytes<PlacementGroupID>(id, "placement group id");
             return WithoutGil([&] { return cw.placement_groups().Wait(pg, std::chrono::milliseconds(timeout_ms)); });
           })
      .def("get_placement_group", [](PyWorker& self, const py::bytes& id, const std::string& name) {
        CoreWorker& cw = self.Get();
        const PlacementGroupID pg =
            std::string(id).empty() ? PlacementGroupID::Nil() : IdFromBytes<PlacementGroupID>(id, "placement group id");
        return GroupDict(WithoutGil([&] { return cw.placement_groups().Get(pg, name); }));
      });
}

}  // namespace python
}  // namespace photon
