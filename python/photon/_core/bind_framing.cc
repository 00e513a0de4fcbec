// photon._core.frame_layout: where the pickle and the buffers of a framed
// object are (object_framing.h), so photon._private.serialization can slice
// its memoryview of the object without knowing the format.
#include "python/photon/_core/bind.h"
#include "python/photon/_core/object_framing.h"

namespace photon {
namespace python {

void BindFraming(py::module_& m) {
  m.def("frame_layout", [](const py::buffer& object) {
    const py::buffer_info info = object.request();
    absl::StatusOr<FramedLayout> layout =
        ReadLayout(std::string_view(static_cast<const char*>(info.ptr), static_cast<size_t>(info.size * info.itemsize)));
    if (!layout.ok()) throw py::value_error(std::string(layout.status().message()));
    py::tuple buffers(layout->buffers.size());
    for (size_t i = 0; i < layout->buffers.size(); i++) {
      buffers[i] = py::make_tuple(layout->buffers[i].first, layout->buffers[i].second);
    }
    return py::make_tuple(layout->inband_offset, layout->inband_size, buffers);
  });
}

}  // namespace python
}  // namespace photon
