#pragma once

// Human-readable C++ type names for error messages.
//
// Photon's errors name the C++ type a value was expected to have ("argument 1
// of Plus: cannot deserialize double from msgpack STR ..."), so a user reading a
// failed task sees their own spelling of the type rather than a mangled one.
//
//   TypeName<std::vector<int>>()    // "std::vector<int, std::allocator<int> >"
//   TypeName<std::string>()         // "std::string"
//   Demangle(typeid(e).name())      // the dynamic type of a caught exception
//
//   try { ... } catch (...) {
//     return absl::UnknownError(DescribeCurrentException());  // "std::runtime_error: boom"
//   }
//
// Names come from typeid, so top-level references and cv-qualifiers are not
// shown. Thread-safe.

#include <string>
#include <typeinfo>

namespace photon {

// Demangles an Itanium-ABI name such as `typeid(x).name()` returns. Returns the
// input unchanged when it cannot be demangled. libstdc++'s spelling of
// std::string ("std::__cxx11::basic_string<char, ...>") is shortened to
// "std::string", and the "__cxx11::" inline namespace is dropped.
std::string Demangle(const char* mangled_name);

template <typename T>
std::string TypeName() {
  return Demangle(typeid(T).name());
}

// "<demangled dynamic type>: <what()>" for the exception being handled, or just
// the type for one not derived from std::exception ("int", "MyError").
// REQUIRES: called inside a catch block.
std::string DescribeCurrentException();

}  // namespace photon
