#include "core/api/internal/invoker.h"

#include "absl/strings/str_cat.h"
#include "core/api/type_name.h"

namespace photon {
namespace api_internal {

absl::Status ArgumentCountError(const std::string& name, std::size_t expected, std::size_t got) {
  return absl::InvalidArgumentError(absl::StrCat("task ", name, " takes ", expected,
                                                 expected == 1 ? " argument" : " arguments",
                                                 ", got ", got));
}

absl::Status ArgumentError(const std::string& name, std::size_t index,
                           const std::type_info& expected, const absl::Status& cause) {
  return absl::InvalidArgumentError(absl::StrCat("task ", name, ": argument ", index, " (",
                                                 Demangle(expected.name()),
                                                 "): ", cause.message()));
}

absl::Status UserExceptionError(const std::string& name) {
  return absl::UnknownError(absl::StrCat("task ", name, " threw ", DescribeCurrentException()));
}

absl::Status ResultSerializationError(const std::string& name) {
  return absl::InvalidArgumentError(absl::StrCat("task ", name,
                                                 " returned a value that cannot be serialized: ",
                                                 DescribeCurrentException()));
}

}  // namespace api_internal
}  // namespace photon
