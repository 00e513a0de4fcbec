// Worker properties for photon.get_runtime_context(): who this process is
// (job, node, worker, namespace) and which task runs on the calling thread.
#include "python/photon/_core/bind.h"

namespace photon {
namespace python {

void BindRuntimeContext(WorkerClass& w) {
  w.def_property_readonly("namespace", [](PyWorker& self) { return self.Get().identity().namespace_name; })
      .def_property_readonly("job_id", [](PyWorker& self) { return py::bytes(self.Get().identity().job.Binary()); })
      .def_property_readonly("node_id",
                             [](PyWorker& self) { return py::bytes(self.Get().identity().node_id.Binary()); })
      .def_property_readonly("worker_id",
                             [](PyWorker& self) { return py::bytes(self.Get().identity().worker_id.Binary()); })
      .def_property_readonly("current_task_id",
                             [](PyWorker& self) { return py::bytes(self.Get().executor().CurrentTask().Binary()); });
}

}  // namespace python
}  // namespace photon
