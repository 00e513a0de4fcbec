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

// MethodTraits<M>: the class and the plain function type of a member
// function pointer (actor methods).
//
//   using T = photon::MethodTraits<decltype(&Counter::Add)>;
//   T::Class       // Counter
//   T::Function    // int(int)
template <typename M>
struct MethodTraits;

template <typename C, typename R, typename... Params>
struct MethodTraits<R (C::*)(Params...)> {
  using Class = C;
  using Function = R(Params...);
};
template <typename C, typename R, typename... Params>
struct MethodTraits<R (C::*)(Params...) const> : MethodTraits<R (C::*)(Params...)> {};
template <typename C, typename R, typename... Params>
struct MethodTraits<R (C::*)(Params...) noexcept> : MethodTraits<R (C::*)(Params...)> {};
template <typename C, typename R, typename... Params>
struct MethodTraits<R (C::*)(Params...) const noexcept> : MethodTraits<R (C::*)(Params...)> {};

// The same parameters returning void (what a factory's arguments need).
template <typename F>
struct VoidResult;
template <typename R, typename... Params>
struct VoidResult<R(Params...)> {
  using type = void(Params...);
};
template <typename R, typename... Params>
struct VoidResult<R(Params...) noexcept> : VoidResult<R(Params...)> {};

// A function returning a pointer to a class makes actors (an actor factory).
template <typename F>
struct IsActorFactory
    : std::bool_constant<std::is_pointer_v<typename FunctionTraits<F>::Result> &&
                         std::is_class_v<std::remove_pointer_t<typename FunctionTraits<F>::Result>>> {};

}  // namespace photon
