#pragma once

// IsSerializable<T>: whether Photon can ship a T between processes.
//
// Photon serializes task arguments and results with msgpack-c++. When msgpack
// is handed a type it has no adaptor for, the error surfaces deep inside its
// templates ("'const Foo' has no member named 'msgpack_pack'"). Photon checks
// this trait first, so the first error a user sees is a static_assert that
// says what to do:
//
//   struct Point {
//     double x, y;
//     MSGPACK_DEFINE(x, y);           // makes IsSerializable<Point> true
//   };
//   static_assert(photon::IsSerializable<std::map<std::string, Point>>::value);
//
// The trait accepts
//   - bool, char, wchar_t, the signed and unsigned integer types, float,
//     double, std::byte, std::string and msgpack::type::nil_t / ext;
//   - std::vector, std::list, std::deque, std::forward_list, std::set,
//     std::multiset, std::unordered_set, std::unordered_multiset, std::map,
//     std::multimap, std::unordered_map, std::unordered_multimap, std::pair,
//     std::tuple, std::array, std::optional, std::complex, std::shared_ptr,
//     std::unique_ptr and msgpack::type::tuple, when their elements are
//     serializable themselves;
//   - classes with MSGPACK_DEFINE (or their own msgpack_pack/msgpack_unpack);
//   - anything a user declares through HasMsgpackAdaptor below.
// It rejects everything else, including raw pointers, std::string_view and
// msgpack::object (a deserialized one would point into freed memory), long
// double, char16_t/char32_t and plain enums.
//
// Only the type's shape is checked: a MSGPACK_DEFINE listing a member that is
// itself unserializable still fails inside msgpack.

#include <msgpack.hpp>

#include <array>
#include <complex>
#include <cstddef>
#include <deque>
#include <forward_list>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace photon {

// Customization point for types msgpack supports through a non-intrusive
// adaptor (a specialization of msgpack::adaptor::pack/convert/object_with_zone,
// or MSGPACK_ADD_ENUM), which Photon cannot detect on its own:
//
//   MSGPACK_ADD_ENUM(Color);
//   template <>
//   struct photon::HasMsgpackAdaptor<Color> : std::true_type {};
template <typename T>
struct HasMsgpackAdaptor : std::false_type {};

namespace api_internal {

// True for classes that carry MSGPACK_DEFINE's member functions.
template <typename T, typename = void>
struct HasMsgpackMembers : std::false_type {};

template <typename T>
struct HasMsgpackMembers<
    T, std::void_t<decltype(std::declval<const T&>().msgpack_pack(
                       std::declval<msgpack::packer<msgpack::sbuffer>&>())),
                   decltype(std::declval<T&>().msgpack_unpack(
                       std::declval<const msgpack::object&>()))>> : std::true_type {};

template <typename T>
struct IsMsgpackScalar
    : std::bool_constant<(std::is_integral_v<T> && !std::is_same_v<T, char16_t> &&
                          !std::is_same_v<T, char32_t>) ||
                         std::is_same_v<T, float> || std::is_same_v<T, double> ||
                         std::is_same_v<T, std::byte> || std::is_same_v<T, std::string> ||
                         std::is_same_v<T, msgpack::type::nil_t> ||
                         std::is_same_v<T, msgpack::type::ext>> {};

template <typename T>
struct Serializable
    : std::bool_constant<IsMsgpackScalar<T>::value || HasMsgpackMembers<T>::value ||
                         HasMsgpackAdaptor<T>::value> {};

template <typename... Ts>
struct AllSerializable : std::conjunction<Serializable<std::remove_cv_t<Ts>>...> {};

template <typename T, typename A>
struct Serializable<std::vector<T, A>> : AllSerializable<T> {};
template <typename T, typename A>
struct Serializable<std::list<T, A>> : AllSerializable<T> {};
template <typename T, typename A>
struct Serializable<std::deque<T, A>> : AllSerializable<T> {};
template <typename T, typename A>
struct Serializable<std::forward_list<T, A>> : AllSerializable<T> {};
template <typename T, typename C, typename A>
struct Serializable<std::set<T, C, A>> : AllSerializable<T> {};
template <typename T, typename C, typename A>
struct Serializable<std::multiset<T, C, A>> : AllSerializable<T> {};
template <typename T, typename H, typename E, typename A>
struct Serializable<std::unordered_set<T, H, E, A>> : AllSerializable<T> {};
template <typename T, typename H, typename E, typename A>
struct Serializable<std::unordered_multiset<T, H, E, A>> : AllSerializable<T> {};
template <typename K, typename V, typename C, typename A>
struct Serializable<std::map<K, V, C, A>> : AllSerializable<K, V> {};
template <typename K, typename V, typename C, typename A>
struct Serializable<std::multimap<K, V, C, A>> : AllSerializable<K, V> {};
template <typename K, typename V, typename H, typename E, typename A>
struct Serializable<std::unordered_map<K, V, H, E, A>> : AllSerializable<K, V> {};
template <typename K, typename V, typename H, typename E, typename A>
struct Serializable<std::unordered_multimap<K, V, H, E, A>> : AllSerializable<K, V> {};
template <typename A, typename B>
struct Serializable<std::pair<A, B>> : AllSerializable<A, B> {};
template <typename... Ts>
struct Serializable<std::tuple<Ts...>> : AllSerializable<Ts...> {};
template <typename... Ts>
struct Serializable<msgpack::type::tuple<Ts...>> : AllSerializable<Ts...> {};
template <typename T, std::size_t N>
struct Serializable<std::array<T, N>> : AllSerializable<T> {};
template <typename T>
struct Serializable<std::optional<T>> : AllSerializable<T> {};
template <typename T>
struct Serializable<std::complex<T>> : AllSerializable<T> {};
template <typename T>
struct Serializable<std::shared_ptr<T>> : AllSerializable<T> {};
template <typename T>
struct Serializable<std::unique_ptr<T>> : AllSerializable<T> {};

}  // namespace api_internal

template <typename T>
struct IsSerializable : api_internal::Serializable<std::remove_cv_t<T>> {};

}  // namespace photon
