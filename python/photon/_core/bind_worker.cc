// photon._core.Worker: a driver's or worker's core worker.
//
// Arguments and results cross as Python buffers: a task argument is
// (False, value, [nested object ids]) or (True, object id); a value to store
// is a list of buffers written one after another (Put writes them straight
// into shared memory when the object is large). Blocking calls release the
// GIL. IDs are bytes.
#include <pybind11/stl.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/common/memcopy.h"
#include "core/core_worker/core_worker.h"
#include "core/core_worker/worker_environment.h"
#include "gcs/client/gcs_client.h"
#include "python/photon/_core/bind.h"
#include "python/photon/_core/buffer.h"

namespace photon {
namespace python {
namespace {

using core::CoreWorker;

// Buffers held (with their exporters) while the GIL is released.
struct HeldBuffers {
  std::vector<py::buffer_info> infos;
  int64_t total = 0;

  explicit HeldBuffers(const py::list& parts) {
    infos.reserve(parts.size());
    for (const py::handle& part : parts) {
      infos.push_back(py::reinterpret_borrow<py::buffer>(part).request());
      const py::buffer_info& info = infos.back();
      total += info.size * info.itemsize;
    }
  }
  void CopyTo(char* out) const {
    for (const py::buffer_info& info : infos) {
      const size_t n = static_cast<size_t>(info.size * info.itemsize);
      CopyMemory(out, info.ptr, n);
      out += n;
    }
  }
};

std::vector<core::TaskArg> ToTaskArgs(const py::list& args) {
  std::vector<core::TaskArg> out;
  out.reserve(args.size());
  for (const py::handle& item : args) {
    py::tuple t = py::reinterpret_borrow<py::tuple>(item);
    if (t[0].cast<bool>()) {
      out.push_back(core::TaskArg::ByRef(IdFromBytes<ObjectID>(t[1].cast<py::bytes>(), "argument object id")));
      continue;
    }
    py::buffer_info info = t[1].cast<py::buffer>().request();
    std::vector<ObjectID> nested;
    for (const py::handle& n : t[2].cast<py::list>()) {
      nested.push_back(IdFromBytes<ObjectID>(py::reinterpret_borrow<py::bytes>(n), "nested object id"));
    }
    out.push_back(core::TaskArg::ByValue(
        std::string(static_cast<const char*>(info.ptr), static_cast<size_t>(info.size * info.itemsize)),
        std::move(nested)));
  }
  return out;
}

py::list IdList(const std::vector<ObjectID>& ids) {
  py::list out;
  for (const ObjectID& id : ids) out.append(py::bytes(id.Binary()));
  return out;
}

std::map<std::string, double> Amounts(const rpc::ResourceSet& set) {
  return std::map<std::string, double>(set.amounts().begin(), set.amounts().end());
}

// strategy: None, or (kind, node_id bytes, soft, placement_group_id bytes, bundle_index)
// with kind one of "DEFAULT", "SPREAD", "NODE_AFFINITY", "PLACEMENT_GROUP".
rpc::LeaseSchedulingStrategy ToStrategy(const py::object& strategy) {
  rpc::LeaseSchedulingStrategy out;
  if (strategy.is_none()) return out;
  py::tuple t = strategy.cast<py::tuple>();
  const std::string kind = t[0].cast<std::string>();
  if (kind == "SPREAD") {
    out.set_kind(rpc::LeaseSchedulingStrategy::SPREAD);
  } else if (kind == "NODE_AFFINITY") {
    out.set_kind(rpc::LeaseSchedulingStrategy::NODE_AFFINITY);
    out.set_node_id(t[1].cast<std::string>());
    out.set_soft(t[2].cast<bool>());
  } else if (kind == "PLACEMENT_GROUP") {
    out.set_kind(rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP);
    out.set_placement_group_id(t[3].cast<std::string>());
    out.set_bundle_index(t[4].cast<int>());
  } else if (kind != "DEFAULT") {
    throw py::value_error("unknown scheduling strategy '" + kind + "'");
  }
  return out;
}

const char* PlacementStateName(rpc::PlacementGroupState s) {
  switch (s) {
    case rpc::PG_PENDING: return "PENDING";
    case rpc::PG_CREATED: return "CREATED";
    case rpc::PG_REMOVED: return "REMOVED";
    case rpc::PG_RESCHEDULING: return "RESCHEDULING";
    default: return "UNKNOWN";
  }
}

const char* ActorStateName(rpc::ActorState s) {
  switch (s) {
    case rpc::PENDING_CREATION: return "PENDING_CREATION";
    case rpc::ALIVE: return "ALIVE";
    case rpc::RESTARTING: return "RESTARTING";
    case rpc::DEAD: return "DEAD";
    default: return "UNKNOWN";
  }
}

// The execute callback of a Python worker: calls `execute(info, args)` with
// the GIL. It returns (True, [result parts...] per return) or (False,
// message, pickled exception).
core::CoreWorkerOptions::Execute MakeExecute(PyObject* execute) {
  return [execute](const rpc::TaskSpec& spec,
                   const core::TaskArgValues& values) -> absl::StatusOr<std::vector<std::string>> {
    py::gil_scoped_acquire gil;
    try {
      py::dict resources;
      for (const auto& [name, amount] : spec.resources().amounts()) resources[py::str(name)] = amount;
      py::list gpu_ids;
      for (int g : spec.gpu_ids()) gpu_ids.append(g);
      py::tuple info = py::make_tuple(spec.function_name(), py::bytes(spec.task_id()), py::bytes(spec.actor_id()),
                                      spec.actor_creation(), spec.num_returns(), spec.attempt(), resources, gpu_ids,
                                      spec.max_concurrency());
      py::list args;
      for (const auto& v : values) args.append(std::make_shared<Buffer>(Buffer{v}));
      py::tuple outcome = py::reinterpret_borrow<py::object>(execute)(info, args).cast<py::tuple>();
      if (!outcome[0].cast<bool>()) {
        return core::WithErrorValue(absl::UnknownError(outcome[1].cast<std::string>()),
                                    outcome[2].cast<std::string>());
      }
      std::vector<std::string> results;
      for (const py::handle& result : outcome[1].cast<py::list>()) {
        HeldBuffers parts(py::reinterpret_borrow<py::list>(result));
        std::string bytes(static_cast<size_t>(parts.total), '\0');
        parts.CopyTo(bytes.data());
        results.push_back(std::move(bytes));
      }
      return results;
    } catch (py::error_already_set& e) {
      return absl::InternalError(absl::StrCat("the Python worker failed to run the task: ", e.what()));
    }
  };
}

// Owned by Python; null after shutdown.
struct PyWorker {
  std::unique_ptr<CoreWorker> cw;

  CoreWorker& Get() {
    if (!cw) throw py::value_error("photon is not initialized (or was shut down): call photon.init() first");
    return *cw;
  }
};

std::shared_ptr<PyWorker> StartCoreWorker(core::CoreWorkerOptions options) {
  absl::StatusOr<std::unique_ptr<CoreWorker>> cw;
  {
    py::gil_scoped_release release;
    cw = CoreWorker::Start(std::move(options));
  }
  if (!cw.ok()) RaiseStatus(cw.status());
  auto out = std::make_shared<PyWorker>();
  out->cw = std::move(*cw);
  return out;
}

}  // namespace

void BindWorker(py::module_& m) {
  py::class_<PyWorker, std::shared_ptr<PyWorker>> w(m, "Worker");
  w.def_static(
       "start_driver",
       [](const std::string& gcs_address, const std::string& token, const std::string& node_ip,
          const std::string& namespace_name, const std::vector<std::string>& worker_command,
          const std::string& entrypoint, bool log_to_driver) {
         core::CoreWorkerOptions options;
         options.is_driver = true;
         options.gcs_address = gcs_address;
         options.token = token;
         options.node_ip = node_ip;
         options.namespace_name = namespace_name;
         options.worker_command = worker_command;
         options.entrypoint = entrypoint;
         options.log_to_driver = log_to_driver;
         return StartCoreWorker(std::move(options));
       },
       py::arg("gcs_address"), py::arg("token"), py::arg("node_ip") = "127.0.0.1", py::arg("namespace") = "",
       py::arg("worker_command") = std::vector<std::string>(), py::arg("entrypoint") = "",
       py::arg("log_to_driver") = true)
      .def_static(
          "start_worker",
          [](py::object execute, const std::vector<std::string>& worker_command) {
            absl::StatusOr<core::CoreWorkerOptions> options = core::WorkerOptionsFromEnvironment();
            if (!options.ok()) RaiseStatus(options.status());
            options->worker_command = worker_command;
            PyObject* callable = execute.release().ptr();  // kept for the process's life
            options->execute = MakeExecute(callable);
            return StartCoreWorker(*std::move(options));
          })
      .def("run_task_loop",
           [](PyWorker& self) {
             CoreWorker& cw = self.Get();
             py::gil_scoped_release release;
             cw.RunTaskLoop();
           })
      .def("shutdown",
           [](PyWorker& self) {
             if (!self.cw) return;
             std::unique_ptr<CoreWorker> cw = std::move(self.cw);
             py::gil_scoped_release release;
             cw->Shutdown();
             cw.reset();
           })
      // --- objects
      .def("put",
           [](PyWorker& self, const py::list& parts) {
             CoreWorker& cw = self.Get();
             HeldBuffers held(parts);
             absl::StatusOr<ObjectID> id;
             {
               py::gil_scoped_release release;
               id = cw.PutWith(held.total, [&held](char* out) { held.CopyTo(out); });
             }
             if (!id.ok()) RaiseStatus(id.status());
             return py::bytes(id->Binary());
           })
      // A pickle and its out-of-band buffers, framed here as
      // photon._private.serialization does, but with each large buffer placed
      // at the same address modulo 4 KiB as its source, so that the copy into
      // shared memory is a plain one (see core/common/memcopy.h). The object
      // has room for that padding at its end.
      .def("put_framed",
           [](PyWorker& self, const py::buffer& inband, const py::list& buffers) {
             CoreWorker& cw = self.Get();
             const py::buffer_info pickle = inband.request();
             HeldBuffers held(buffers);
             const size_t count = held.infos.size();
             const size_t header = 16 + 16 * count;
             const size_t size = header + static_cast<size_t>(pickle.size) + static_cast<size_t>(held.total) +
                                 count * 4096;
             absl::StatusOr<ObjectID> id;
             {
               py::gil_scoped_release release;
               id = cw.PutWith(static_cast<int64_t>(size), [&](char* out) {
                 std::memset(out, 0, header);
                 std::memcpy(out, "PHO1", 4);
                 const uint32_t n32 = static_cast<uint32_t>(count);
                 const uint64_t inband_len = static_cast<uint64_t>(pickle.size);
                 std::memcpy(out + 4, &n32, 4);
                 std::memcpy(out + 8, &inband_len, 8);
                 std::memcpy(out + header, pickle.ptr, pickle.size);
                 uintptr_t offset = header + inband_len;
                 for (size_t i = 0; i < count; i++) {
                   const py::buffer_info& b = held.infos[i];
                   const uint64_t len = static_cast<uint64_t>(b.size * b.itemsize);
                   const uintptr_t src = reinterpret_cast<uintptr_t>(b.ptr);
                   const uintptr_t at = reinterpret_cast<uintptr_t>(out) + offset;
                   offset += len >= (uint64_t{1} << 20) ? ((src - at) & 4095) : ((64 - (at & 63)) & 63);
                   CopyMemory(out + offset, b.ptr, len);
                   const uint64_t entry[2] = {static_cast<uint64_t>(offset), len};
                   std::memcpy(out + 16 + 16 * i, entry, 16);
                   offset += len;
                 }
               });
             }
             if (!id.ok()) RaiseStatus(id.status());
             return py::bytes(id->Binary());
           })
      .def("create_pending",
           [](PyWorker& self) {
             absl::StatusOr<ObjectID> id = self.Get().CreatePending();
             if (!id.ok()) RaiseStatus(id.status());
             return py::bytes(id->Binary());
           })
      .def("fulfill",
           [](PyWorker& self, const py::bytes& id, const py::list& parts) {
             HeldBuffers held(parts);
             std::string data(static_cast<size_t>(held.total), '\0');
             held.CopyTo(data.data());
             absl::Status s = self.Get().Fulfill(IdFromBytes<ObjectID>(id, "object id"), std::move(data));
             if (!s.ok()) RaiseStatus(s);
           })
      .def("get",
           [](PyWorker& self, const py::list& ids, int64_t timeout_ms) {
             CoreWorker& cw = self.Get();
             std::vector<ObjectID> object_ids;
             for (const py::handle& id : ids) {
               object_ids.push_back(IdFromBytes<ObjectID>(py::reinterpret_borrow<py::bytes>(id), "object id"));
             }
             absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> values;
             {
               py::gil_scoped_release release;
               values = cw.Get(object_ids, std::chrono::milliseconds(timeout_ms));
             }
             if (!values.ok()) RaiseStatus(values.status());
             py::list out;
             for (auto& v : *values) out.append(std::make_shared<Buffer>(Buffer{std::move(v)}));
             return out;
           })
      .def("wait",
           [](PyWorker& self, const py::list& ids, int num_returns, int64_t timeout_ms) {
             CoreWorker& cw = self.Get();
             std::vector<ObjectID> object_ids;
             for (const py::handle& id : ids) {
               object_ids.push_back(IdFromBytes<ObjectID>(py::reinterpret_borrow<py::bytes>(id), "object id"));
             }
             absl::StatusOr<std::vector<bool>> ready;
             {
               py::gil_scoped_release release;
               ready = cw.Wait(object_ids, num_returns, std::chrono::milliseconds(timeout_ms));
             }
             if (!ready.ok()) RaiseStatus(ready.status());
             return *ready;
           })
      .def("add_local_reference",
           [](PyWorker& self, const py::bytes& id) {
             if (self.cw) self.cw->AddLocalReference(IdFromBytes<ObjectID>(id, "object id"));
           })
      .def("remove_local_reference",
           [](PyWorker& self, const py::bytes& id) {
             if (self.cw) self.cw->RemoveLocalReference(IdFromBytes<ObjectID>(id, "object id"));
           })
      .def("owner_of",
           [](PyWorker& self, const py::bytes& id) -> py::object {
             std::optional<rpc::Address> owner = self.Get().OwnerOf(IdFromBytes<ObjectID>(id, "object id"));
             if (!owner) return py::none();
             return py::bytes(owner->SerializeAsString());
           })
      .def("add_borrowed_reference",
           [](PyWorker& self, const py::bytes& id, const py::bytes& owner) {
             rpc::Address address;
             if (!address.ParseFromString(std::string(owner))) throw py::value_error("bad owner address");
             self.Get().AddBorrowedReference(IdFromBytes<ObjectID>(id, "object id"), address);
           })
      // --- tasks
      .def("submit_task",
           [](PyWorker& self, const std::string& function, const py::list& args, int num_returns,
              std::map<std::string, double> resources, int max_retries, bool retry_exceptions,
              const py::object& strategy) {
             CoreWorker& cw = self.Get();
             core::TaskOptions options;
             options.resources = std::move(resources);
             options.num_returns = num_returns;
             options.max_retries = max_retries;
             options.retry_exceptions = retry_exceptions;
             options.strategy = ToStrategy(strategy);
             std::vector<core::TaskArg> task_args = ToTaskArgs(args);
             absl::StatusOr<std::vector<ObjectID>> ids;
             {
               py::gil_scoped_release release;
               ids = cw.SubmitTask(function, std::move(task_args), options);
             }
             if (!ids.ok()) RaiseStatus(ids.status());
             return IdList(*ids);
           })
      .def("cancel",
           [](PyWorker& self, const py::bytes& id, bool force) {
             absl::Status s = self.Get().Cancel(IdFromBytes<ObjectID>(id, "object id"), force);
             if (!s.ok() && s.code() != absl::StatusCode::kNotFound) RaiseStatus(s);
             return s.ok();
           })
      // --- actors
      .def("create_actor",
           [](PyWorker& self, const std::string& factory, const py::list& args, std::map<std::string, double> resources,
              const std::string& name, const std::string& namespace_name, bool detached, bool get_if_exists,
              int max_restarts, int max_task_retries, int max_concurrency, const std::string& class_name,
              const py::object& strategy) {
             CoreWorker& cw = self.Get();
             core::ActorOptions options;
             options.resources = std::move(resources);
             options.name = name;
             options.namespace_name = namespace_name;
             options.detached = detached;
             options.get_if_exists = get_if_exists;
             options.max_restarts = max_restarts;
             options.max_task_retries = max_task_retries;
             options.max_concurrency = max_concurrency;
             options.class_name = class_name;
             options.strategy = ToStrategy(strategy);
             std::vector<core::TaskArg> task_args = ToTaskArgs(args);
             absl::StatusOr<ActorID> id;
             {
               py::gil_scoped_release release;
               id = cw.CreateActor(factory, std::move(task_args), options);
             }
             if (!id.ok()) RaiseStatus(id.status());
             return py::bytes(id->Binary());
           })
      .def("submit_actor_task",
           [](PyWorker& self, const py::bytes& actor, const std::string& method, const py::list& args, int num_returns) {
             CoreWorker& cw = self.Get();
             const ActorID actor_id = IdFromBytes<ActorID>(actor, "actor id");
             std::vector<core::TaskArg> task_args = ToTaskArgs(args);
             absl::StatusOr<std::vector<ObjectID>> ids;
             {
               py::gil_scoped_release release;
               ids = cw.SubmitActorTask(actor_id, method, std::move(task_args), num_returns);
             }
             if (!ids.ok()) RaiseStatus(ids.status());
             return IdList(*ids);
           })
      .def("kill_actor",
           [](PyWorker& self, const py::bytes& actor, bool no_restart) {
             CoreWorker& cw = self.Get();
             const ActorID id = IdFromBytes<ActorID>(actor, "actor id");
             absl::Status s;
             {
               py::gil_scoped_release release;
               s = cw.KillActor(id, no_restart);
             }
             if (!s.ok()) RaiseStatus(s);
           })
      .def("get_named_actor",
           [](PyWorker& self, const std::string& name, const std::string& ns) {
             CoreWorker& cw = self.Get();
             absl::StatusOr<ActorID> id;
             {
               py::gil_scoped_release release;
               id = cw.GetNamedActor(name, ns);
             }
             if (!id.ok()) RaiseStatus(id.status());
             return py::bytes(id->Binary());
           })
      .def("actor_info",
           [](PyWorker& self, const py::bytes& actor) {
             CoreWorker& cw = self.Get();
             const ActorID id = IdFromBytes<ActorID>(actor, "actor id");
             absl::StatusOr<rpc::ActorTableData> info;
             {
               py::gil_scoped_release release;
               info = cw.gcs().GetActorInfo(id);
             }
             if (!info.ok()) RaiseStatus(info.status());
             py::dict out;
             out["actor_id"] = py::bytes(info->actor_id());
             out["state"] = ActorStateName(info->state());
             out["name"] = info->name();
             out["namespace"] = info->namespace_();
             out["class_name"] = info->class_name();
             out["max_concurrency"] = info->creation_spec().max_concurrency();
             out["max_task_retries"] = info->max_task_retries();
             out["num_restarts"] = info->num_restarts();
             out["pid"] = info->pid();
             return out;
           })
      .def_property_readonly("namespace", [](PyWorker& self) { return self.Get().namespace_name(); })
      // --- placement groups
      .def("create_placement_group",
           [](PyWorker& self, const std::vector<std::map<std::string, double>>& bundles, const std::string& strategy,
              const std::string& name, bool detached) {
             CoreWorker& cw = self.Get();
             rpc::PlacementStrategy s;
             if (strategy == "PACK") {
               s = rpc::PACK;
             } else if (strategy == "SPREAD") {
               s = rpc::SPREAD_BUNDLES;
             } else if (strategy == "STRICT_PACK") {
               s = rpc::STRICT_PACK;
             } else if (strategy == "STRICT_SPREAD") {
               s = rpc::STRICT_SPREAD;
             } else {
               throw py::value_error("unknown placement strategy '" + strategy +
                                     "' (PACK, SPREAD, STRICT_PACK or STRICT_SPREAD)");
             }
             absl::StatusOr<PlacementGroupID> id;
             {
               py::gil_scoped_release release;
               id = cw.CreatePlacementGroup(bundles, s, name, detached);
             }
             if (!id.ok()) RaiseStatus(id.status());
             return py::bytes(id->Binary());
           })
      .def("remove_placement_group",
           [](PyWorker& self, const py::bytes& id) {
             CoreWorker& cw = self.Get();
             const PlacementGroupID pg = IdFromBytes<PlacementGroupID>(id, "placement group id");
             absl::Status s;
             {
               py::gil_scoped_release release;
               s = cw.RemovePlacementGroup(pg);
             }
             if (!s.ok()) RaiseStatus(s);
           })
      .def("wait_placement_group",
           [](PyWorker& self, const py::bytes& id, int64_t timeout_ms) {
             CoreWorker& cw = self.Get();
             const PlacementGroupID pg = IdFromBytes<PlacementGroupID>(id, "placement group id");
             absl::StatusOr<bool> ready;
             {
               py::gil_scoped_release release;
               ready = cw.WaitPlacementGroup(pg, std::chrono::milliseconds(timeout_ms));
             }
             if (!ready.ok()) RaiseStatus(ready.status());
             return *ready;
           })
      .def("get_placement_group",
           [](PyWorker& self, const py::bytes& id, const std::string& name) {
             CoreWorker& cw = self.Get();
             const PlacementGroupID pg = std::string(id).empty() ? PlacementGroupID::Nil()
                                                                 : IdFromBytes<PlacementGroupID>(id, "placement group id");
             absl::StatusOr<rpc::PlacementGroupTableData> data;
             {
               py::gil_scoped_release release;
               data = cw.GetPlacementGroup(pg, name);
             }
             if (!data.ok()) RaiseStatus(data.status());
             py::dict out;
             out["placement_group_id"] = py::bytes(data->placement_group_id());
             out["name"] = data->name();
             out["state"] = PlacementStateName(data->state());
             out["pending_reason"] = data->pending_reason();
             static const char* kStrategies[] = {"PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD"};
             out["strategy"] = kStrategies[std::min<int>(data->strategy(), 3)];
             py::list bundles;
             for (const rpc::Bundle& b : data->bundles()) {
               py::dict bundle;
               bundle["resources"] = Amounts(b.resources());
               bundle["node_id"] = py::bytes(b.node_id());
               bundles.append(bundle);
             }
             out["bundles"] = bundles;
             return out;
           })
      // --- the cluster
      .def("nodes",
           [](PyWorker& self) {
             CoreWorker& cw = self.Get();
             absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes;
             absl::StatusOr<std::vector<rpc::ResourceUsage>> usage;
             {
               py::gil_scoped_release release;
               nodes = cw.gcs().GetAllNodes();
               if (nodes.ok()) usage = cw.gcs().GetAllResourceUsage();
             }
             if (!nodes.ok()) RaiseStatus(nodes.status());
             if (!usage.ok()) RaiseStatus(usage.status());
             std::map<std::string, const rpc::ResourceUsage*> by_node;
             for (const rpc::ResourceUsage& u : *usage) by_node[u.node_id()] = &u;
             py::list out;
             for (const rpc::GcsNodeInfo& n : *nodes) {
               py::dict node;
               node["node_id"] = py::bytes(n.node_id());
               node["alive"] = n.state() == rpc::GcsNodeInfo::ALIVE;
               node["node_ip"] = n.node_ip();
               node["hostname"] = n.hostname();
               node["raylet_port"] = n.raylet_port();
               node["object_manager_port"] = n.object_manager_port();
               node["object_store_socket"] = n.object_store_socket();
               node["session_dir"] = n.session_dir();
               node["is_head"] = n.is_head();
               node["death_reason"] = n.death_reason();
               node["resources_total"] = Amounts(n.resources_total());
               auto u = by_node.find(n.node_id());
               node["resources_available"] = u == by_node.end() ? std::map<std::string, double>()
                                                                : Amounts(u->second->available());
               out.append(node);
             }
             return out;
           })
      // --- the function table
      .def("add_function",
           [](PyWorker& self, const std::string& function_id, const py::bytes& blob) {
             CoreWorker& cw = self.Get();
             std::string bytes = blob;
             absl::Status s;
             {
               py::gil_scoped_release release;
               s = cw.gcs().AddFunction(cw.job(), function_id, bytes);
             }
             if (!s.ok()) RaiseStatus(s);
           })
      .def("get_function",
           [](PyWorker& self, const py::bytes& job, const std::string& function_id) {
             CoreWorker& cw = self.Get();
             const JobID job_id = std::string(job).empty() ? cw.job() : IdFromBytes<JobID>(job, "job id");
             absl::StatusOr<std::string> blob;
             {
               py::gil_scoped_release release;
               blob = cw.gcs().GetFunction(job_id, function_id);
             }
             if (!blob.ok()) RaiseStatus(blob.status());
             return py::bytes(*blob);
           })
      .def("kv_put",
           [](PyWorker& self, const std::string& ns, const std::string& key, const py::bytes& value, bool overwrite) {
             CoreWorker& cw = self.Get();
             std::string bytes = value;
             absl::StatusOr<bool> added;
             {
               py::gil_scoped_release release;
               added = cw.gcs().KvPut(ns, key, bytes, overwrite);
             }
             if (!added.ok()) RaiseStatus(added.status());
             return *added;
           })
      .def("kv_get",
           [](PyWorker& self, const std::string& ns, const std::string& key) -> py::object {
             CoreWorker& cw = self.Get();
             absl::StatusOr<std::string> value;
             {
               py::gil_scoped_release release;
               value = cw.gcs().KvGet(ns, key);
             }
             if (value.status().code() == absl::StatusCode::kNotFound) return py::none();
             if (!value.ok()) RaiseStatus(value.status());
             return py::bytes(*value);
           })
      // --- context
      .def_property_readonly("job_id", [](PyWorker& self) { return py::bytes(self.Get().job().Binary()); })
      .def_property_readonly("node_id", [](PyWorker& self) { return py::bytes(self.Get().node_id().Binary()); })
      .def_property_readonly("worker_id", [](PyWorker& self) { return py::bytes(self.Get().worker_id().Binary()); })
      .def_property_readonly("current_task_id",
                             [](PyWorker& self) { return py::bytes(self.Get().CurrentTask().Binary()); });
}

}  // namespace python
}  // namespace photon
