// Worker methods that read and write the cluster's GCS tables: the nodes
// (with their latest resource reports), the jobs, the function table, the internal KV.
#include <map>

#include "python/photon/_core/bind.h"

namespace photon {
namespace python {
namespace {

std::map<std::string, double> Amounts(const rpc::ResourceSet& set) {
  return std::map<std::string, double>(set.amounts().begin(), set.amounts().end());
}

py::dict NodeDict(const rpc::GcsNodeInfo& n, const rpc::ResourceUsage* usage) {
  py::dict node;
  node["node_id"] = py::bytes(n.node_id());
  node["alive"] = n.state() == rpc::GcsNodeInfo::ALIVE;
  node["node_ip"] = n.node_ip();
  node["hostname"] = n.hostname();
  node["raylet_port"] = n.raylet_port();
  node["object_manager_port"] = n.object_manager_port();
  node["metrics_export_port"] = n.metrics_export_port();
  node["object_store_socket"] = n.object_store_socket();
  node["session_dir"] = n.session_dir();
  node["is_head"] = n.is_head();
  node["death_reason"] = n.death_reason();
  node["resources_total"] = Amounts(n.resources_total());
  node["resources_available"] = usage == nullptr ? std::map<std::string, double>() : Amounts(usage->available());
  return node;
}

py::list Nodes(PyWorker& self) {
  CoreWorker& cw = self.Get();
  const std::vector<rpc::GcsNodeInfo> nodes = WithoutGil([&] { return cw.cluster().Nodes(); });
  const std::vector<rpc::ResourceUsage> usage = WithoutGil([&] { return cw.cluster().ResourceUsage(); });
  std::map<std::string, const rpc::ResourceUsage*> by_node;
  for (const rpc::ResourceUsage& u : usage) by_node[u.node_id()] = &u;
  py::list out;
  for (const rpc::GcsNodeInfo& n : nodes) {
    auto u = by_node.find(n.node_id());
    out.append(NodeDict(n, u == by_node.end() ? nullptr : u->second));
  }
  return out;
}

py::list Jobs(PyWorker& self) {
  CoreWorker& cw = self.Get();
  const std::vector<rpc::JobTableData> jobs = WithoutGil([&] { return cw.cluster().Jobs(); });
  py::list out;
  for (const rpc::JobTableData& j : jobs) {
    py::dict job;
    job["job_id"] = py::bytes(j.job_id());
    job["is_dead"] = j.is_dead();
    job["start_time_ms"] = j.start_time_ms();
    job["end_time_ms"] = j.end_time_ms();
    job["entrypoint"] = j.entrypoint();
    job["driver_pid"] = j.driver_pid();
    job["driver_ip"] = j.driver_ip();
    job["namespace"] = j.namespace_();
    job["end_reason"] = j.end_reason();
    job["metadata"] = std::map<std::string, std::string>(j.metadata().begin(), j.metadata().end());
    out.append(job);
  }
  return out;
}

}  // namespace

void BindGcs(WorkerClass& w) {
  w.def("nodes", &Nodes)
      .def("jobs", &Jobs)
      .def("add_function",
           [](PyWorker& self, const std::string& function_id, const py::bytes& blob) {
             CoreWorker& cw = self.Get();
             const std::string bytes = blob;
             WithoutGil([&] { return cw.cluster().AddFunction(function_id, bytes); });
           })
      .def("get_function",
           [](PyWorker& self, const py::bytes& job, const std::string& function_id) {
             CoreWorker& cw = self.Get();
             const JobID job_id = std::string(job).empty() ? JobID::Nil() : IdFromBytes<JobID>(job, "job id");
             return py::bytes(WithoutGil([&] { return cw.cluster().GetFunction(job_id, function_id); }));
           })
      .def("kv_put",
           [](PyWorker& self, const std::string& ns, const std::string& key, const py::bytes& value, bool overwrite) {
             CoreWorker& cw = self.Get();
             const std::string bytes = value;
             return WithoutGil([&] { return cw.cluster().KvPut(ns, key, bytes, overwrite); });
           })
      .def("kv_get", [](PyWorker& self, const std::string& ns, const std::string& key) -> py::object {
        CoreWorker& cw = self.Get();
        // None when the key is not there.
        std::optional<std::string> value = WithoutGil([&]() -> absl::StatusOr<std::optional<std::string>> {
          absl::StatusOr<std::string> got = cw.cluster().KvGet(ns, key);
          if (got.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
          if (!got.ok()) return got.status();
          return *std::move(got);
        });
        if (!value) return py::none();
        return py::bytes(*value);
      });
}

}  // namespace python
}  // namespace photon
