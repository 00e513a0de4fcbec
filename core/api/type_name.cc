#include "core/api/type_name.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace photon {

std::string Demangle(const char* mangled_name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(
      abi::__cxa_demangle(mangled_name, nullptr, nullptr, &status), &std::free);
  std::string name = (status == 0 && demangled != nullptr) ? demangled.get() : mangled_name;
  return absl::StrReplaceAll(
      name, {{"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >",
              "std::string"},
             {"std::__cxx11::", "std::"}});
}

std::string DescribeCurrentException() {
  try {
    throw;
  } catch (const std::exception& e) {
    return absl::StrCat(Demangle(typeid(e).name()), ": ", e.what());
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    return type != nullptr ? Demangle(type->name()) : "unknown exception";
  }
}

}  // namespace photon
