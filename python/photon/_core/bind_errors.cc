// Status -> Python exception, in one place.
#include "absl/strings/cord.h"
#include "core/core_worker/errors.h"
#include "python/photon/_core/bind.h"

namespace photon {
namespace python {

void RaiseStatus(const absl::Status& status) {
  const core::ErrorKind kind = core::ErrorKindOf(status);
  const std::string kind_name = kind == core::ErrorKind::kNone ? "" : core::ErrorKindName(kind);
  py::object from_status = py::module_::import("photon._private.errors").attr("from_status");
  py::object error = from_status(absl::StatusCodeToString(status.code()), kind_name, std::string(status.message()),
                                 py::bytes(core::ErrorValueOf(status)));
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw py::error_already_set();
}

void BindErrors(py::module_& m) {
  m.def("_raise_status_for_test", [](const std::string& code, const std::string& kind, const std::string& message) {
    absl::StatusCode c = absl::StatusCode::kUnknown;
    for (int i = 0; i <= 16; i++) {
      if (absl::StatusCodeToString(static_cast<absl::StatusCode>(i)) == code) c = static_cast<absl::StatusCode>(i);
    }
    std::optional<core::ErrorKind> k = core::ErrorKindFromName(kind);
    RaiseStatus(k ? core::ErrorStatus(*k, message) : absl::Status(c, message));
  });
}

}  // namespace python
}  // namespace photon
