#pragma once

// SerializeArgs: the caller's half of a remote call. Converts each argument to
// the remote function's parameter type and serializes it, in the form the
// function's invoker (function_registry.h) expects.
//
//   double Scale(double x, const std::vector<int>& v);
//
//   absl::StatusOr<std::vector<std::string>> args =
//       photon::SerializeArgs(&Scale, 2, std::vector<int>{1, 2});
//   // (*args)[0] == Serialize(2.0): the int was converted to double first,
//   // so the worker reads a double even though the caller passed an int.
//
// Checked at compile time, with a static_assert naming the problem: the number
// of arguments equals the function's arity, and each argument converts
// implicitly to its parameter's decayed type (the rules of an ordinary call;
// the compiler names the failing argument's index and types).
//
// Returns InvalidArgument only when msgpack cannot encode a value (a string or
// container past 2^32 - 1 elements), naming the argument's index.
//
// Thread-safe (no shared state).

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "core/api/function_traits.h"
#include "core/api/serializable.h"
#include "core/api/serialization.h"
#include "core/api/type_name.h"

namespace photon {
namespace api_internal {

template <typename F, typename ArgTuple, typename Indices>
struct ArgsConvertibleImpl;

template <typename F, typename... Args, std::size_t... I>
struct ArgsConvertibleImpl<F, std::tuple<Args...>, std::index_sequence<I...>>
    : std::conjunction<std::is_convertible<
          Args&&, typename FunctionTraits<F>::template DecayedParam<I>>...> {};

// One instantiation per argument, so the compiler's "In instantiation of" line
// for a failed static_assert shows the argument's index and both types.
template <std::size_t kArgIndex, typename Param, typename Arg>
constexpr bool CheckArgConvertible() {
  static_assert(std::is_convertible_v<Arg&&, Param>,
                "photon: an argument of this remote call does not convert to the remote "
                "function's parameter type (the compiler's \"In instantiation of "
                "CheckArgConvertible\" line names its index, the parameter and the argument)");
  return true;
}

template <typename F, typename... Args, std::size_t... I>
constexpr bool CheckArgs(std::index_sequence<I...>) {
  return (CheckArgConvertible<I, typename FunctionTraits<F>::template DecayedParam<I>, Args>() &&
          ... && true);
}

// Serializes `value` as a To. Binds without a copy when it already is one.
template <typename To, typename From>
std::string SerializeAs(From&& value) {
  const To& converted = std::forward<From>(value);
  return Serialize(converted);
}

template <typename F, typename... Args, std::size_t... I>
absl::StatusOr<std::vector<std::string>> SerializeEach(std::index_sequence<I...>,
                                                       Args&&... args) {
  std::vector<std::string> out;
  out.reserve(sizeof...(Args));
  try {
    (out.push_back(SerializeAs<typename FunctionTraits<F>::template DecayedParam<I>>(
         std::forward<Args>(args))),
     ...);
  } catch (...) {
    // Arguments before the failing one are already in `out`.
    return absl::InvalidArgumentError(absl::StrCat("argument ", out.size(),
                                                   " of a remote call cannot be serialized: ",
                                                   DescribeCurrentException()));
  }
  return out;
}

}  // namespace api_internal

template <typename F, typename... Args>
absl::StatusOr<std::vector<std::string>> SerializeArgs(F* /*function*/, Args&&... args) {
  static_assert(std::is_function_v<F>, "photon::SerializeArgs takes a function pointer");
  using Traits = FunctionTraits<F>;
  static_assert(sizeof...(Args) == Traits::kArity,
                "photon: wrong number of arguments for the remote function: pass exactly as "
                "many arguments as it has parameters");
  if constexpr (sizeof...(Args) != Traits::kArity) {
    return absl::InternalError("unreachable");  // The static_assert above has failed.
  } else {
    using Indices = std::index_sequence_for<Args...>;
    static_assert(api_internal::CheckArgs<F, Args...>(Indices()));
    if constexpr (api_internal::ArgsConvertibleImpl<F, std::tuple<Args...>, Indices>::value) {
      return api_internal::SerializeEach<F>(Indices(), std::forward<Args>(args)...);
    } else {
      return absl::InternalError("unreachable");  // A static_assert above has failed.
    }
  }
}

}  // namespace photon
