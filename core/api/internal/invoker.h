#pragma once

// MakeInvoker: turns a typed C++ function into the type-erased form that
// FunctionRegistry stores and the core worker calls with a task's argument
// bytes. Only FunctionRegistry should call it.
//
//   Invoker invoke = MakeInvoker("Plus", &Plus);      // int Plus(int, int)
//   absl::StatusOr<std::string> result = invoke({Serialize(1), Serialize(2)});
//   // *result == Serialize(3)
//
// Also checks at compile time that the function can be a remote function:
// every parameter and the result must be serializable, and no parameter may be
// a non-const lvalue reference (the task gets copies, so writes would be lost).

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/api/function_traits.h"
#include "core/api/serializable.h"
#include "core/api/serialization.h"

namespace photon {
namespace api_internal {

// Deserializes the arguments, calls the function, serializes the result.
using Invoker =
    std::function<absl::StatusOr<std::string>(const std::vector<std::string>& serialized_args)>;
// The same for an actor method, on the actor instance `self`.
using MethodInvoker =
    std::function<absl::StatusOr<std::string>(void* self, const std::vector<std::string>& serialized_args)>;
// Runs an actor factory: the new instance (owning it), or the failure.
using FactoryInvoker =
    std::function<absl::StatusOr<std::shared_ptr<void>>(const std::vector<std::string>& serialized_args)>;

// Status builders, out of line (invoker.cc).
absl::Status ArgumentCountError(const std::string& name, std::size_t expected, std::size_t got);
absl::Status ArgumentError(const std::string& name, std::size_t index,
                           const std::type_info& expected, const absl::Status& cause);
// REQUIRES: called inside a catch block (the exception is the user's).
absl::Status UserExceptionError(const std::string& name);
// REQUIRES: called inside a catch block.
absl::Status ResultSerializationError(const std::string& name);

template <typename Param>
struct IsMutableLvalueRef
    : std::bool_constant<std::is_lvalue_reference_v<Param> &&
                         !std::is_const_v<std::remove_reference_t<Param>>> {};

template <typename Param>
struct ParamOk : std::bool_constant<!IsMutableLvalueRef<Param>::value &&
                                    IsSerializable<std::decay_t<Param>>::value> {};

template <typename R>
struct ResultOk : std::bool_constant<std::is_void_v<R> || IsSerializable<std::decay_t<R>>::value> {};

template <typename F, typename Indices>
struct SignatureOkImpl;

template <typename F, std::size_t... I>
struct SignatureOkImpl<F, std::index_sequence<I...>>
    : std::conjunction<ResultOk<typename FunctionTraits<F>::Result>,
                       ParamOk<typename FunctionTraits<F>::template Param<I>>...> {};

template <typename F>
struct SignatureOk
    : SignatureOkImpl<F, std::make_index_sequence<FunctionTraits<F>::kArity>> {};

// One instantiation per parameter, so the compiler's "In instantiation of"
// line for a failed static_assert shows the parameter's index and type.
template <std::size_t kParamIndex, typename Param>
constexpr bool CheckParam() {
  static_assert(!IsMutableLvalueRef<Param>::value,
                "PHOTON_REMOTE: a remote function cannot take a non-const lvalue reference: the "
                "task receives a copy of each argument, so its writes would be lost. Take the "
                "parameter by value or by const reference and return the result instead.");
  static_assert(IsSerializable<std::decay_t<Param>>::value,
                "PHOTON_REMOTE: this parameter type of the remote function cannot be serialized "
                "with msgpack (see core/api/serializable.h: add MSGPACK_DEFINE to the struct or "
                "specialize photon::HasMsgpackAdaptor).");
  return true;
}

template <typename F, std::size_t... I>
constexpr bool CheckSignature(std::index_sequence<I...>) {
  using Result = typename FunctionTraits<F>::Result;
  static_assert(ResultOk<Result>::value,
                "PHOTON_REMOTE: the return type of the remote function cannot be serialized with "
                "msgpack (see core/api/serializable.h: add MSGPACK_DEFINE to the struct or "
                "specialize photon::HasMsgpackAdaptor).");
  return (CheckParam<I, typename FunctionTraits<F>::template Param<I>>() && ... && true);
}

// Calls `f` (anything callable with F's parameters) on the decoded args.
template <typename F, typename Callable, std::size_t... I>
absl::StatusOr<std::string> Invoke(const std::string& name, const Callable& f,
                                   const std::vector<std::string>& args,
                                   std::index_sequence<I...>) {
  using Traits = FunctionTraits<F>;
  using Result = typename Traits::Result;
  if (args.size() != Traits::kArity) return ArgumentCountError(name, Traits::kArity, args.size());

  [[maybe_unused]] std::tuple<absl::StatusOr<typename Traits::template DecayedParam<I>>...> values{
      Deserialize<typename Traits::template DecayedParam<I>>(args[I])...};
  const std::array<const absl::Status*, Traits::kArity> statuses = {
      &std::get<I>(values).status()...};
  const std::array<const std::type_info*, Traits::kArity> types = {
      &typeid(typename Traits::template DecayedParam<I>)...};
  for (std::size_t i = 0; i < Traits::kArity; ++i) {
    if (!statuses[i]->ok()) return ArgumentError(name, i, *types[i], *statuses[i]);
  }

  if constexpr (std::is_void_v<Result>) {
    try {
      f(*std::move(std::get<I>(values))...);
    } catch (...) {
      return UserExceptionError(name);
    }
    return Serialize(msgpack::type::nil_t());
  } else {
    std::optional<std::decay_t<Result>> result;
    try {
      result.emplace(f(*std::move(std::get<I>(values))...));
    } catch (...) {
      return UserExceptionError(name);
    }
    try {
      return Serialize(*result);
    } catch (...) {
      return ResultSerializationError(name);
    }
  }
}

// REQUIRES: F is a function type.
template <typename F>
Invoker MakeInvoker(std::string name, F* f) {
  constexpr std::size_t kArity = FunctionTraits<F>::kArity;
  static_assert(CheckSignature<F>(std::make_index_sequence<kArity>()));
  if constexpr (SignatureOk<F>::value) {
    return [name = std::move(name), f](const std::vector<std::string>& args) {
      return Invoke<F>(name, f, args, std::make_index_sequence<kArity>());
    };
  } else {
    return Invoker();  // Unreachable: the static_asserts above have failed.
  }
}

// REQUIRES: M is a pointer to a member function.
template <typename M>
MethodInvoker MakeMethodInvoker(std::string name, M method) {
  using F = typename MethodTraits<M>::Function;
  using C = typename MethodTraits<M>::Class;
  constexpr std::size_t kArity = FunctionTraits<F>::kArity;
  static_assert(CheckSignature<F>(std::make_index_sequence<kArity>()));
  if constexpr (SignatureOk<F>::value) {
    return [name = std::move(name), method](void* self, const std::vector<std::string>& args) {
      C* object = static_cast<C*>(self);
      auto call = [object, method](auto&&... a) -> decltype(auto) {
        return (object->*method)(std::forward<decltype(a)>(a)...);
      };
      return Invoke<F>(name, call, args, std::make_index_sequence<kArity>());
    };
  } else {
    return MethodInvoker();  // Unreachable: the static_asserts above have failed.
  }
}

// REQUIRES: F returns a pointer to a class (IsActorFactory).
template <typename F>
FactoryInvoker MakeFactoryInvoker(std::string name, F* factory) {
  using Args = typename VoidResult<F>::type;  // the result is the instance, not a value to ship
  using T = std::remove_pointer_t<typename FunctionTraits<F>::Result>;
  constexpr std::size_t kArity = FunctionTraits<F>::kArity;
  static_assert(CheckSignature<Args>(std::make_index_sequence<kArity>()));
  if constexpr (SignatureOk<Args>::value) {
    return [name = std::move(name), factory](
               const std::vector<std::string>& args) -> absl::StatusOr<std::shared_ptr<void>> {
      std::shared_ptr<void> instance;
      auto call = [&instance, factory](auto&&... a) {
        T* made = factory(std::forward<decltype(a)>(a)...);
        instance = std::shared_ptr<void>(made, [](void* p) { delete static_cast<T*>(p); });
      };
      absl::StatusOr<std::string> done = Invoke<Args>(name, call, args, std::make_index_sequence<kArity>());
      if (!done.ok()) return done.status();
      if (instance == nullptr) return absl::InvalidArgumentError("actor factory " + name + " returned a null pointer");
      return instance;
    };
  } else {
    return FactoryInvoker();  // Unreachable: the static_asserts above have failed.
  }
}

}  // namespace api_internal
}  // namespace photon
