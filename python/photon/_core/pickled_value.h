#pragma once
// PickledValue: a Python value as pickle protocol 5 gave it (an in-band
// pickle and its out-of-band buffers), held with the buffers' exporters so
// it can be framed (object_framing.h) with the GIL released.
//
//   PickledValue value(inband, buffers);        // GIL held
//   {
//     py::gil_scoped_release release;
//     std::string bytes = value.Framed();       // or WriteTo(shared memory)
//   }
//
// Construct and destroy with the GIL held; the rest may run without it.
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "python/photon/_core/object_framing.h"

namespace photon {
namespace python {

class PickledValue {
 public:
  PickledValue(const pybind11::buffer& inband, const pybind11::list& buffers);

  size_t MaxFramedSize() const;
  // Writes the framed value at `out` (MaxFramedSize bytes); returns its size.
  size_t WriteTo(char* out) const;
  std::string Framed() const;

 private:
  pybind11::buffer_info inband_;
  std::vector<pybind11::buffer_info> buffers_;
  std::vector<Piece> pieces_;
};

}  // namespace python
}  // namespace photon
