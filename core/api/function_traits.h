#pragma once

// FunctionTraits<F>: the return type and parameter types of a plain function
// type, as the registry and SerializeArgs need them.
//
//   int Plus(int a, const std::string& b);
//   using T = photon::FunctionTraits<decltype(Plus)>;
//   T::kArity                      // 2
//   T::Result                      // int
//   T::Param<1>                    // const std::string&
//   T::DecayedParam<1>             // std::string: what travels on the wire
//
// Only free functions (and static member functions) are covered: remote
// functions are named by pointer, and a member function needs an actor.

#include <cstddef>
#include <tuple>
#include <type_traits>

namespace photon {

template <typename F>
struct FunctionTraits;

template <typename R, typename... Params>
struct FunctionTraits<R(Params...)> {
  using Result = R;
  using ParamTuple = std::tuple<Params...>;
  static constexpr std::size_t kArity = sizeof...(Params);

  template <std::size_t I>
  using Param = std::tuple_element_t<I, ParamTuple>;

  template <std::size_t I>
  using DecayedParam = std::decay_t<Param<I>>;
};

template <typename R, typename... Params>
struct FunctionTraits<R(Params...) noexcept> : FunctionTraits<R(Params...)> {};

}  // namespace photon
