// Worker methods for actors: create (with a photon._core.ActorOptions), call
// a method, kill, find by name, and the GCS's record of one.
#include "python/photon/_core/bind.h"
#include "python/photon/_core/call_args.h"

namespace photon {
namespace python {
namespace {

const char* ActorStateName(rpc::ActorState s) {
  switch (s) {
    case rpc::PENDING_CREATION: return "PENDING_CREATION";
    case rpc::ALIVE: return "ALIVE";
    case rpc::RESTARTING: return "RESTARTING";
    case rpc::DEAD: return "DEAD";
    default: return "UNKNOWN";
  }
}

py::dict ActorInfo(PyWorker& self, const py::bytes& actor) {
  CoreWorker& cw = self.Get();
  const ActorID id = IdFromBytes<ActorID>(actor, "actor id");
  const rpc::ActorTableData info = WithoutGil([&] { return cw.actors().Info(id); });
  py::dict out;
  out["actor_id"] = py::bytes(info.actor_id());
  out["state"] = ActorStateName(info.state());
  out["name"] = info.name();
  out["namespace"] = info.namespace_();
  out["class_name"] = info.class_name();
  out["max_concurrency"] = info.creation_spec().max_concurrency();
  out["max_task_retries"] = info.max_task_retries();
  out["num_restarts"] = info.num_restarts();
  out["pid"] = info.pid();
  return out;
}

}  // namespace

void BindActors(WorkerClass& w) {
  w.def("create_actor",
        [](PyWorker& self, const std::string& factory, const py::list& args, const core::ActorOptions& options) {
          CoreWorker& cw = self.Get();
          CallArgs call(cw, args);
          const ActorID id = WithoutGil([&] { return cw.actors().Create(factory, call.Take(), options); });
          return py::bytes(id.Binary());
        })
      .def("submit_actor_task",
           [](PyWorker& self, const py::bytes& actor, const std::string& method, const py::list& args,
              int num_returns) {
             CoreWorker& cw = self.Get();
             const ActorID id = IdFromBytes<ActorID>(actor, "actor id");
             CallArgs call(cw, args);
             return ObjectIdList(WithoutGil([&] { return cw.actors().Call(id, method, call.Take(), num_returns); }));
           })
      .def("kill_actor",
           [](PyWorker& self, const py::bytes& actor, bool no_restart, bool intentional_exit) {
             CoreWorker& cw = self.Get();
             const ActorID id = IdFromBytes<ActorID>(actor, "actor id");
             WithoutGil([&] { return cw.actors().Kill(id, no_restart, intentional_exit); });
           },
           py::arg("actor"), py::arg("no_restart"), py::arg("intentional_exit") = false)
      .def("get_named_actor",
           [](PyWorker& self, const std::string& name, const std::string& ns) {
             CoreWorker& cw = self.Get();
             return py::bytes(WithoutGil([&] { return cw.actors().GetNamed(name, ns); }).Binary());
           })
      .def("actor_info", &ActorInfo);
}

}  // namespace python
}  // namespace photon
