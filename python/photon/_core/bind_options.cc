// photon._core.TaskOptions, ActorOptions and SchedulingStrategy: the core's
// option structs (core/core_worker/task_options.h) bound as they are, so
// their defaults live in C++ only. photon._private.options fills them from
// @remote / .options() keywords.
#include "core/core_worker/task_options.h"
#include "python/photon/_core/bind.h"

namespace photon {
namespace python {
namespace {

using Strategy = rpc::LeaseSchedulingStrategy;

void BindStrategy(py::module_& m) {
  py::class_<Strategy>(m, "SchedulingStrategy")
      .def_static("spread",
                  [] {
                    Strategy s;
                    s.set_kind(Strategy::SPREAD);
                    return s;
                  })
      .def_static("node_affinity",
                  [](const py::bytes& node_id, bool soft) {
                    Strategy s;
                    s.set_kind(Strategy::NODE_AFFINITY);
                    s.set_node_id(std::string(node_id));
                    s.set_soft(soft);
                    return s;
                  })
      .def_static("placement_group", [](const py::bytes& group, int bundle_index) {
        Strategy s;
        s.set_kind(Strategy::PLACEMENT_GROUP);
        s.set_placement_group_id(std::string(group));
        s.set_bundle_index(bundle_index);
        return s;
      });
}

}  // namespace

void BindOptions(py::module_& m) {
  BindStrategy(m);
  py::class_<core::TaskOptions>(m, "TaskOptions")
      .def(py::init<>())
      .def_readwrite("resources", &core::TaskOptions::resources)
      .def_readwrite("strategy", &core::TaskOptions::strategy)
      .def_readwrite("max_retries", &core::TaskOptions::max_retries)
      .def_readwrite("retry_exceptions", &core::TaskOptions::retry_exceptions)
      .def_readwrite("num_returns", &core::TaskOptions::num_returns);
  py::class_<core::ActorOptions>(m, "ActorOptions")
      .def(py::init<>())
      .def_readwrite("resources", &core::ActorOptions::resources)
      .def_readwrite("strategy", &core::ActorOptions::strategy)
      .def_readwrite("name", &core::ActorOptions::name)
      .def_readwrite("namespace", &core::ActorOptions::namespace_name)
      .def_readwrite("detached", &core::ActorOptions::detached)
      .def_readwrite("get_if_exists", &core::ActorOptions::get_if_exists)
      .def_readwrite("max_restarts", &core::ActorOptions::max_restarts)
      .def_readwrite("max_task_retries", &core::ActorOptions::max_task_retries)
      .def_readwrite("max_concurrency", &core::ActorOptions::max_concurrency)
      .def_readwrite("class_name", &core::ActorOptions::class_name);
}

}  // namespace python
}  // namespace photon
