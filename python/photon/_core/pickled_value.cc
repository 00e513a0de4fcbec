#include "python/photon/_core/pickled_value.h"

namespace photon {
namespace python {
namespace {

Piece PieceOf(const pybind11::buffer_info& info) {
  return Piece{info.ptr, static_cast<size_t>(info.size * info.itemsize)};
}

}  // namespace

PickledValue::PickledValue(const pybind11::buffer& inband, const pybind11::list& buffers) : inband_(inband.request()) {
  buffers_.reserve(buffers.size());
  for (const pybind11::handle& b : buffers) {
    buffers_.push_back(pybind11::reinterpret_borrow<pybind11::buffer>(b).request());
    pieces_.push_back(PieceOf(buffers_.back()));
  }
}

size_t PickledValue::MaxFramedSize() const { return python::MaxFramedSize(PieceOf(inband_).size, pieces_); }

size_t PickledValue::WriteTo(char* out) const { return WriteFramed(out, PieceOf(inband_), pieces_); }

std::string PickledValue::Framed() const {
  std::string out(MaxFramedSize(), '\0');
  out.resize(WriteTo(out.data()));
  return out;
}

}  // namespace python
}  // namespace photon
