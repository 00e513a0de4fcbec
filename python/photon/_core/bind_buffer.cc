// photon._core.Buffer: an object's bytes as a read-only Python buffer.
// A value read from the shared-memory store is not copied: the Buffer holds
// the StoredObject, whose pin keeps the object in the store while any view
// of it (a memoryview, a NumPy array made from one) lives.
#include <memory>

#include "core/core_worker/memory_store.h"
#include "python/photon/_core/bind.h"
#include "python/photon/_core/buffer.h"

namespace photon {
namespace python {

void BindBuffer(py::module_& m) {
  py::class_<Buffer, std::shared_ptr<Buffer>>(m, "Buffer", py::buffer_protocol())
      .def_buffer([](Buffer& b) {
        std::string_view bytes = b.value->bytes();
        return py::buffer_info(const_cast<char*>(bytes.data()), 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(bytes.size())}, {1}, /*readonly=*/true);
      })
      .def("__len__", [](const Buffer& b) { return b.value->bytes().size(); })
      .def_property_readonly("in_shared_memory", [](const Buffer& b) { return b.value->pin != nullptr; })
      .def_property_readonly("address", [](const Buffer& b) {
        return reinterpret_cast<uintptr_t>(b.value->bytes().data());
      });
}

}  // namespace python
}  // namespace photon
