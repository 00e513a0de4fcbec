#include "python/photon/_core/object_framing.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/common/memcopy.h"

namespace photon {
namespace python {
namespace {

constexpr char kMagic[4] = {'P', 'H', 'O', '1'};
constexpr size_t kHeadSize = 16;   // magic, count, in-band length
constexpr size_t kEntrySize = 16;  // offset, length
constexpr size_t kAlign = 64;
constexpr size_t kPage = 4096;
// Buffers this large are placed for the copy (see the header).
constexpr size_t kPlacedBytes = size_t{1} << 20;

size_t HeaderSize(size_t count) { return kHeadSize + kEntrySize * count; }

// Padding before a buffer of `size` bytes from `src` that would start at
// `offset` of an object written at `out`.
size_t PaddingFor(const char* out, size_t offset, const Piece& buffer) {
  if (buffer.size >= kPlacedBytes) {
    const uintptr_t at = reinterpret_cast<uintptr_t>(out) + offset;
    return (reinterpret_cast<uintptr_t>(buffer.data) - at) & (kPage - 1);
  }
  return (kAlign - (offset & (kAlign - 1))) & (kAlign - 1);
}

}  // namespace

size_t MaxFramedSize(size_t inband_size, const std::vector<Piece>& buffers) {
  size_t size = HeaderSize(buffers.size()) + inband_size;
  for (const Piece& b : buffers) size += b.size + (b.size >= kPlacedBytes ? kPage - 1 : kAlign - 1);
  return size;
}

size_t WriteFramed(char* out, Piece inband, const std::vector<Piece>& buffers) {
  const size_t header = HeaderSize(buffers.size());
  std::memset(out, 0, header);
  std::memcpy(out, kMagic, 4);
  const uint32_t count = static_cast<uint32_t>(buffers.size());
  const uint64_t inband_size = inband.size;
  std::memcpy(out + 4, &count, 4);
  std::memcpy(out + 8, &inband_size, 8);
  if (inband.size > 0) std::memcpy(out + header, inband.data, inband.size);
  size_t offset = header + inband.size;
  for (size_t i = 0; i < buffers.size(); i++) {
    const Piece& b = buffers[i];
    offset += PaddingFor(out, offset, b);
    CopyMemory(out + offset, b.data, b.size);
    const uint64_t entry[2] = {static_cast<uint64_t>(offset), static_cast<uint64_t>(b.size)};
    std::memcpy(out + kHeadSize + kEntrySize * i, entry, kEntrySize);
    offset += b.size;
  }
  return offset;
}

absl::StatusOr<FramedLayout> ReadLayout(std::string_view object) {
  if (object.size() < kHeadSize) {
    return absl::InvalidArgumentError(absl::StrCat("not a Photon object: ", object.size(), " bytes"));
  }
  if (std::memcmp(object.data(), kMagic, 4) != 0) {
    return absl::InvalidArgumentError("not a Photon Python object (was it written by a C++ task?)");
  }
  uint32_t count;
  uint64_t inband_size;
  std::memcpy(&count, object.data() + 4, 4);
  std::memcpy(&inband_size, object.data() + 8, 8);
  FramedLayout layout;
  layout.inband_offset = HeaderSize(count);
  layout.inband_size = inband_size;
  if (layout.inband_offset > object.size() || inband_size > object.size() - layout.inband_offset) {
    return absl::InvalidArgumentError(absl::StrCat("a Photon object of ", object.size(), " bytes is cut short"));
  }
  for (uint32_t i = 0; i < count; i++) {
    uint64_t entry[2];
    std::memcpy(entry, object.data() + kHeadSize + kEntrySize * i, kEntrySize);
    if (entry[0] > object.size() || entry[1] > object.size() - entry[0]) {
      return absl::InvalidArgumentError(
          absl::StrCat("buffer ", i, " of a ", object.size(), "-byte Photon object lies beyond its end"));
    }
    layout.buffers.emplace_back(entry[0], entry[1]);
  }
  return layout;
}

}  // namespace python
}  // namespace photon
