#pragma once

// Serialize / Deserialize: the byte format of every value Photon ships between
// processes (task arguments, task results, objects put into the store).
//
// Values are msgpack-encoded, so a C++ value can be read by any msgpack
// implementation and the bytes carry no C++ type information: the reader says
// which type it expects, and gets an error, not undefined behaviour, when the
// bytes hold something else.
//
//   struct Point {
//     double x, y;
//     MSGPACK_DEFINE(x, y);
//   };
//
//   std::string bytes = photon::Serialize(std::vector<Point>{{1, 2}, {3, 4}});
//   absl::StatusOr<std::vector<Point>> points =
//       photon::Deserialize<std::vector<Point>>(bytes);
//   absl::StatusOr<std::string> wrong = photon::Deserialize<std::string>(bytes);
//   // wrong.status(): INVALID_ARGUMENT "cannot deserialize std::string from
//   //   msgpack ARRAY (7 bytes): msgpack::v1::type_error: std::bad_cast"
//
// Which types are accepted is decided by IsSerializable (serializable.h); any
// other type fails to compile with a static_assert that says how to fix it.
//
// Neither function lets an exception escape for bad input: msgpack's parse and
// type errors become InvalidArgument. Conversions follow msgpack: an integer
// reads as a double, a fractional double does not read as an integer, and an
// integer out of the target's range is an error. msgpack-c writes a double
// with a whole value as an integer (2.0 and 2 give the same bytes, and -0.0
// reads back as 0.0). msgpack is lenient about array lengths: a MSGPACK_DEFINE
// struct, std::tuple or std::array read from a shorter array keeps defaults for
// the missing trailing members, and a struct ignores extra elements (so a
// struct may gain members); std::pair insists on its length.
//
// Thread-safe (no shared state).

#include <msgpack.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <typeinfo>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/api/serializable.h"

namespace photon {
namespace api_internal {

// A msgpack output stream that appends to a std::string, so Serialize builds
// its result without an intermediate buffer.
class StringWriter {
 public:
  explicit StringWriter(std::string* out) : out_(out) {}
  void write(const char* data, std::size_t size) { out_->append(data, size); }

 private:
  std::string* const out_;
};

// Parses exactly one msgpack value from [data, data + size). `expected` only
// names the target type in the error message.
absl::StatusOr<msgpack::object_handle> UnpackOne(const char* data, std::size_t size,
                                                 const std::type_info& expected);

// The InvalidArgument for a value that parsed but did not convert to
// `expected`. REQUIRES: called inside the catch block of the failed conversion.
absl::Status ConversionError(const msgpack::object& object, std::size_t size,
                             const std::type_info& expected);

}  // namespace api_internal

// Encodes `value` as msgpack.
//
// The only failures are msgpack's own limits, which surface as exceptions:
// std::bad_alloc, and msgpack::container_size_overflow for a string or
// container past 2^32 - 1 elements. Callers at a process boundary
// (SerializeArgs, the function registry) turn those into a Status.
template <typename T>
std::string Serialize(const T& value) {
  static_assert(IsSerializable<T>::value,
                "photon::Serialize: this type cannot be serialized with msgpack. Add "
                "MSGPACK_DEFINE(member1, member2, ...) to the struct, or, for a type with a "
                "hand-written msgpack adaptor or MSGPACK_ADD_ENUM, specialize "
                "photon::HasMsgpackAdaptor<T> to std::true_type (core/api/serializable.h). "
                "Raw pointers, C arrays and std::string_view are not supported.");
  std::string out;
  api_internal::StringWriter writer(&out);
  msgpack::packer<api_internal::StringWriter> packer(writer);
  packer.pack(value);
  return out;
}

// Decodes a T from exactly `size` bytes at `data`. Returns InvalidArgument,
// naming T and msgpack's reason, when the bytes are not one complete msgpack
// value or do not convert to T.
template <typename T>
absl::StatusOr<T> Deserialize(const char* data, std::size_t size) {
  static_assert(!std::is_reference_v<T> && !std::is_const_v<T>,
                "photon::Deserialize<T>: T must be a plain value type (no const, no reference)");
  static_assert(IsSerializable<T>::value,
                "photon::Deserialize: this type cannot be deserialized with msgpack. Add "
                "MSGPACK_DEFINE(member1, member2, ...) to the struct, or, for a type with a "
                "hand-written msgpack adaptor or MSGPACK_ADD_ENUM, specialize "
                "photon::HasMsgpackAdaptor<T> to std::true_type (core/api/serializable.h). "
                "Raw pointers, C arrays and std::string_view are not supported.");
  static_assert(std::is_default_constructible_v<T> || msgpack::has_as<T>::value,
                "photon::Deserialize: T needs a default constructor (msgpack constructs the "
                "value, then fills it in), or a msgpack::adaptor::as<T> specialization");
  absl::StatusOr<msgpack::object_handle> handle = api_internal::UnpackOne(data, size, typeid(T));
  if (!handle.ok()) return handle.status();
  try {
    return handle->get().template as<T>();
  } catch (...) {
    return api_internal::ConversionError(handle->get(), size, typeid(T));
  }
}

template <typename T>
absl::StatusOr<T> Deserialize(const std::string& bytes) {
  return Deserialize<T>(bytes.data(), bytes.size());
}

}  // namespace photon
