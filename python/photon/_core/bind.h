#pragma once
// Shared pieces of the photon._core binding: one Bind<Area> per file
// (bind_<area>.cc), called from module.cc.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/common/binaries.h"
#include "core/common/id.h"

namespace photon {
namespace python {

namespace py = pybind11;

void BindErrors(py::module_& m);
void BindBuffer(py::module_& m);
void BindWorker(py::module_& m);
void BindCluster(py::module_& m);
void BindProcess(py::module_& m);

// The core's binary search with the checkout this photon package sits in
// (for Python the running executable is the interpreter). Call with the GIL held.
BinarySearch PackageBinarySearch();

// The one place a non-OK status becomes a Python exception: the exception
// photon._private.errors.from_status builds for it (a photon.exceptions
// type chosen by the status's error kind) is raised. Call with the GIL held.
[[noreturn]] void RaiseStatus(const absl::Status& status);

// An ID from Python bytes; ValueError naming `what` when the length is wrong.
template <typename Id>
Id IdFromBytes(const py::bytes& bytes, const char* what) {
  absl::StatusOr<Id> id = Id::FromBinary(std::string(bytes));
  if (!id.ok()) throw py::value_error(std::string("bad ") + what + ": " + std::string(id.status().message()));
  return *id;
}

}  // namespace python
}  // namespace photon
