#pragma once
// Shared pieces of the photon._core binding: one Bind<Area> per file
// (bind_<area>.cc), called from module.cc; the Worker class they all add
// methods to; and the one way a blocking core call is made from Python:
//
//   .def("kill_actor", [](PyWorker& self, const py::bytes& actor, bool no_restart) {
//     CoreWorker& cw = self.Get();
//     const ActorID id = IdFromBytes<ActorID>(actor, "actor id");
//     WithoutGil([&] { return cw.actors().Kill(id, no_restart); });   // raises on error
//   })
//
// Everything here is called with the GIL held.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/binaries.h"
#include "core/common/id.h"
#include "core/core_worker/core_worker.h"

namespace photon {
namespace python {

namespace py = pybind11;
using core::CoreWorker;

// photon._core.Worker: owned by Python; null after shutdown.
struct PyWorker {
  std::shared_ptr<CoreWorker> cw;

  CoreWorker& Get() {
    if (!cw) throw py::value_error("photon is not initialized (or was shut down): call photon.init() first");
    return *cw;
  }
  // For a call that may block while another thread shuts down (get, wait):
  // the core worker lives until the call lets it go.
  std::shared_ptr<CoreWorker> Hold() {
    Get();
    return cw;
  }
};
using WorkerClass = py::class_<PyWorker, std::shared_ptr<PyWorker>>;

void BindErrors(py::module_& m);
void BindBuffer(py::module_& m);
void BindFraming(py::module_& m);
void BindOptions(py::module_& m);
void BindCluster(py::module_& m);
// The Worker class: starting and stopping a core worker.
WorkerClass BindWorker(py::module_& m);
void BindObjects(WorkerClass& worker);
void BindTasks(WorkerClass& worker);
void BindActors(WorkerClass& worker);
void BindPlacementGroups(WorkerClass& worker);
void BindGcs(WorkerClass& worker);
void BindRuntimeContext(WorkerClass& worker);
void BindProcess(py::module_& m);

// The core's binary search with the checkout this photon package sits in
// (for Python the running executable is the interpreter). Call with the GIL held.
BinarySearch PackageBinarySearch();

// The one place a non-OK status becomes a Python exception: the exception
// photon._private.errors.from_status builds for it (a photon.exceptions
// type chosen by the status's error kind) is raised.
[[noreturn]] void RaiseStatus(const absl::Status& status);

inline void ValueOrRaise(const absl::Status& status) {
  if (!status.ok()) RaiseStatus(status);
}
template <typename T>
T ValueOrRaise(absl::StatusOr<T> value) {
  if (!value.ok()) RaiseStatus(value.status());
  return *std::move(value);
}

// Runs `call` (returning absl::Status or absl::StatusOr<T>) with the GIL
// released; returns its value (T, or nothing) or raises its error.
template <typename Call>
auto WithoutGil(Call&& call) {
  auto result = [&] {
    py::gil_scoped_release release;
    return call();
  }();
  return ValueOrRaise(std::move(result));
}

// An ID from Python bytes; ValueError naming `what` when the length is wrong.
template <typename Id>
Id IdFromBytes(const py::bytes& bytes, const char* what) {
  absl::StatusOr<Id> id = Id::FromBinary(std::string(bytes));
  if (!id.ok()) throw py::value_error(std::string("bad ") + what + ": " + std::string(id.status().message()));
  return *id;
}

std::vector<ObjectID> ObjectIdsFromList(const py::list& ids);
py::list ObjectIdList(const std::vector<ObjectID>& ids);

}  // namespace python
}  // namespace photon
