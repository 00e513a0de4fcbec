// photon._core: the core worker for Python (DESIGN.md, Python). Each area's
// bindings are in bind_<area>.cc; this file only calls them.
#include "python/photon/_core/bind.h"

PYBIND11_MODULE(_core, m) {
  namespace python = photon::python;
  m.doc() = "Photon's core worker (tasks, actors, objects) for the photon package";
  python::BindErrors(m);
  python::BindBuffer(m);
  python::BindFraming(m);
  python::BindOptions(m);
  python::BindCluster(m);
  python::BindProcess(m);
  python::WorkerClass worker = python::BindWorker(m);
  python::BindObjects(worker);
  python::BindTasks(worker);
  python::BindActors(worker);
  python::BindPlacementGroups(worker);
  python::BindGcs(worker);
  python::BindRuntimeContext(worker);
}
