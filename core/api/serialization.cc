#include "core/api/serialization.h"

#include <exception>

#include "absl/strings/str_cat.h"
#include "core/api/type_name.h"

namespace photon {
namespace api_internal {
namespace {

const char* ObjectTypeName(msgpack::type::object_type type) {
  switch (type) {
    case msgpack::type::NIL:
      return "NIL";
    case msgpack::type::BOOLEAN:
      return "BOOLEAN";
    case msgpack::type::POSITIVE_INTEGER:
      return "POSITIVE_INTEGER";
    case msgpack::type::NEGATIVE_INTEGER:
      return "NEGATIVE_INTEGER";
    case msgpack::type::FLOAT32:
      return "FLOAT32";
    case msgpack::type::FLOAT64:
      return "FLOAT64";
    case msgpack::type::STR:
      return "STR";
    case msgpack::type::BIN:
      return "BIN";
    case msgpack::type::ARRAY:
      return "ARRAY";
    case msgpack::type::MAP:
      return "MAP";
    case msgpack::type::EXT:
      return "EXT";
  }
  return "UNKNOWN";
}

}  // namespace

absl::StatusOr<msgpack::object_handle> UnpackOne(const char* data, std::size_t size,
                                                 const std::type_info& expected) {
  if (size == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot deserialize ", Demangle(expected.name()), ": no bytes"));
  }
  std::size_t offset = 0;
  msgpack::object_handle handle;
  try {
    handle = msgpack::unpack(data, size, offset);
  } catch (...) {
    return absl::InvalidArgumentError(absl::StrCat("cannot deserialize ", Demangle(expected.name()),
                                                   ": ", size, " bytes are not valid msgpack: ",
                                                   DescribeCurrentException()));
  }
  if (offset != size) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot deserialize ", Demangle(expected.name()), ": ", size - offset,
                     " trailing bytes after a msgpack ", ObjectTypeName(handle.get().type),
                     " of ", offset, " bytes"));
  }
  return handle;
}

absl::Status ConversionError(const msgpack::object& object, std::size_t size,
                             const std::type_info& expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot deserialize ", Demangle(expected.name()), " from msgpack ",
      ObjectTypeName(object.type), " (", size, " bytes): ", DescribeCurrentException()));
}

}  // namespace api_internal
}  // namespace photon
