// photon._core: the core worker for Python (DESIGN.md, Python).
#include "python/photon/_core/bind.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "Photon's core worker (tasks, actors, objects) for the photon package";
  photon::python::BindErrors(m);
  photon::python::BindBuffer(m);
  photon::python::BindWorker(m);
  photon::python::BindCluster(m);
  photon::python::BindProcess(m);
}
