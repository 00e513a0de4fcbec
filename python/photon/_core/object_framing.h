#pragma once
// The byte layout of a Python object in Photon: a pickle (protocol 5) and
// its out-of-band buffers, framed together. Written here only (puts, task
// arguments, task results) and read here only (Layout), so the format has
// one definition:
//
//   "PHO1" | u32 buffer count | u64 in-band length | (u64 offset, u64 length) per buffer
//   | the in-band pickle | each buffer at its offset
//
// A buffer of 1 MiB or more is placed at the same address modulo 4 KiB as
// its source, so the copy into place is a plain forward copy that never
// 4K-aliases (core/common/memcopy.h); smaller ones are 64-byte aligned. A
// reader slices the object once per buffer: a NumPy array read from the
// shared-memory store is a view of it.
//
//   std::vector<Piece> buffers = {{array.data(), array.size()}};
//   std::string bytes(MaxFramedSize(pickle.size(), buffers), '\0');
//   bytes.resize(WriteFramed(bytes.data(), {pickle.data(), pickle.size()}, buffers));
//   ASSIGN_OR_RETURN(FramedLayout layout, ReadLayout(bytes));
//
// Pure functions (thread-safe).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace photon {
namespace python {

struct Piece {
  const void* data = nullptr;
  size_t size = 0;
};

// Where the parts of a framed object are, as offsets into it.
struct FramedLayout {
  size_t inband_offset = 0;
  size_t inband_size = 0;
  std::vector<std::pair<size_t, size_t>> buffers;  // (offset, size)
};

// Room enough for the framed object (padding for placement included).
size_t MaxFramedSize(size_t inband_size, const std::vector<Piece>& buffers);
// Writes the framed object at `out` (MaxFramedSize bytes of room); returns
// how many bytes it used (the rest is padding nobody reads).
size_t WriteFramed(char* out, Piece inband, const std::vector<Piece>& buffers);
// InvalidArgument when `object` is not a framed Photon Python object (too
// short, another magic, or parts beyond its end).
absl::StatusOr<FramedLayout> ReadLayout(std::string_view object);

}  // namespace python
}  // namespace photon
