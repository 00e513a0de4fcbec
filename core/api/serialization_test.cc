#include "core/api/serialization.h"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "gtest/gtest.h"

// An enum msgpack supports through MSGPACK_ADD_ENUM, declared to Photon.
enum class Color { kRed, kGreen, kBlue };
MSGPACK_ADD_ENUM(Color);
template <>
struct photon::HasMsgpackAdaptor<Color> : std::true_type {};

namespace photon {
namespace {

struct Point {
  double x = 0;
  double y = 0;
  bool operator==(const Point& o) const { return x == o.x && y == o.y; }
  MSGPACK_DEFINE(x, y);
};

struct Shape {
  std::string name;
  std::vector<Point> points;
  std::map<std::string, int> tags;
  bool operator==(const Shape& o) const {
    return name == o.name && points == o.points && tags == o.tags;
  }
  MSGPACK_DEFINE(name, points, tags);
};

struct NotSerializable {
  int x;
};

// Compile-time acceptance; a rejected type makes Serialize fail to compile.
static_assert(IsSerializable<int>::value);
static_assert(IsSerializable<const std::string>::value);
static_assert(IsSerializable<std::map<std::string, std::vector<Point>>>::value);
static_assert(IsSerializable<std::tuple<int, Shape, std::optional<double>>>::value);
static_assert(IsSerializable<Color>::value);
static_assert(!IsSerializable<NotSerializable>::value);
static_assert(!IsSerializable<std::vector<NotSerializable>>::value);
static_assert(!IsSerializable<std::map<int, NotSerializable>>::value);
static_assert(!IsSerializable<int*>::value);
static_assert(!IsSerializable<const char*>::value);
static_assert(!IsSerializable<long double>::value);

template <typename T>
T RoundTrip(const T& value) {
  absl::StatusOr<T> result = Deserialize<T>(Serialize(value));
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : T();
}

TEST(SerializationTest, RoundTripsScalars) {
  EXPECT_EQ(RoundTrip(0), 0);
  EXPECT_EQ(RoundTrip(-7), -7);
  EXPECT_EQ(RoundTrip(std::numeric_limits<int64_t>::min()), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(RoundTrip(std::numeric_limits<uint64_t>::max()), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(RoundTrip(3.25), 3.25);
  EXPECT_EQ(RoundTrip(1.5f), 1.5f);
  EXPECT_EQ(RoundTrip(true), true);
  EXPECT_EQ(RoundTrip(false), false);
  EXPECT_EQ(RoundTrip('x'), 'x');
  EXPECT_EQ(RoundTrip(Color::kBlue), Color::kBlue);
}

TEST(SerializationTest, RoundTripsStrings) {
  EXPECT_EQ(RoundTrip(std::string()), "");
  EXPECT_EQ(RoundTrip(std::string("hello")), "hello");
  std::string binary("a\0b\xff", 4);
  EXPECT_EQ(RoundTrip(binary), binary);
  std::string long_string(100000, 'z');
  EXPECT_EQ(RoundTrip(long_string), long_string);
}

TEST(SerializationTest, RoundTripsContainers) {
  std::vector<int> ints = {1, -2, 3};
  EXPECT_EQ(RoundTrip(ints), ints);
  EXPECT_EQ(RoundTrip(std::vector<int>()), std::vector<int>());
  std::vector<std::string> strings = {"a", "", "ccc"};
  EXPECT_EQ(RoundTrip(strings), strings);
  std::map<std::string, std::vector<double>> map = {{"a", {1.5}}, {"b", {}}};
  EXPECT_EQ(RoundTrip(map), map);
  std::unordered_map<int, std::string> hash_map = {{1, "one"}, {2, "two"}};
  EXPECT_EQ(RoundTrip(hash_map), hash_map);
  std::tuple<int, std::string, double, bool> tuple(4, "four", 4.5, true);
  EXPECT_EQ(RoundTrip(tuple), tuple);
  EXPECT_EQ(RoundTrip(std::optional<int>(5)), std::optional<int>(5));
  EXPECT_EQ(RoundTrip(std::optional<int>()), std::nullopt);
}

TEST(SerializationTest, RoundTripsUserStructs) {
  EXPECT_EQ(RoundTrip(Point{1.5, -2}), (Point{1.5, -2}));
  Shape shape{"triangle", {{0, 0}, {1, 0}, {0, 1}}, {{"sides", 3}}};
  EXPECT_EQ(RoundTrip(shape), shape);
  std::vector<Shape> shapes = {shape, Shape{"empty", {}, {}}};
  EXPECT_EQ(RoundTrip(shapes), shapes);
}

TEST(SerializationTest, UsesTheMsgpackFormat) {
  EXPECT_EQ(Serialize(1), "\x01");
  EXPECT_EQ(Serialize(msgpack::type::nil_t()), "\xc0");
  EXPECT_EQ(Serialize(std::string("ab")), "\xa2" "ab");
  EXPECT_EQ(Serialize(std::vector<int>{1, 2}), "\x92\x01\x02");
}

TEST(SerializationTest, ReadsFromPointerAndSize) {
  std::string bytes = Serialize(std::vector<int>{4, 5});
  absl::StatusOr<std::vector<int>> v = Deserialize<std::vector<int>>(bytes.data(), bytes.size());
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, (std::vector<int>{4, 5}));
}

TEST(SerializationTest, IntegerReadsAsDouble) {
  absl::StatusOr<double> d = Deserialize<double>(Serialize(3));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, 3.0);
}

TEST(SerializationTest, WrongTypeNamesExpectedTypeAndReason) {
  absl::StatusOr<int> i = Deserialize<int>(Serialize(std::string("seven")));
  ASSERT_EQ(i.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(i.status().message(),
            "cannot deserialize int from msgpack STR (6 bytes): msgpack::v1::type_error: "
            "std::bad_cast");

  absl::StatusOr<std::vector<int>> v = Deserialize<std::vector<int>>(Serialize(1.5));
  ASSERT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("std::vector<int, std::allocator<int> >"),
            std::string::npos)
      << v.status();
  EXPECT_NE(v.status().message().find("FLOAT64"), std::string::npos) << v.status();

  absl::StatusOr<Point> p = Deserialize<Point>(Serialize(std::string("x")));
  ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("photon::(anonymous namespace)::Point"), std::string::npos)
      << p.status();

  absl::StatusOr<std::string> s = Deserialize<std::string>(Serialize(std::vector<int>{1}));
  EXPECT_NE(s.status().message().find("cannot deserialize std::string from msgpack ARRAY"),
            std::string::npos)
      << s.status();
}

TEST(SerializationTest, WrongElementTypeFails) {
  absl::StatusOr<std::vector<int>> v =
      Deserialize<std::vector<int>>(Serialize(std::vector<std::string>{"a"}));
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::map<std::string, int>> m =
      Deserialize<std::map<std::string, int>>(Serialize(std::map<int, int>{{1, 2}}));
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
}

// msgpack's rule, kept: arrays of another length fill what they can.
TEST(SerializationTest, ArrayLengthIsLenientExceptForPairs) {
  absl::StatusOr<Point> short_point = Deserialize<Point>(Serialize(std::vector<int>{4}));
  ASSERT_TRUE(short_point.ok()) << short_point.status();
  EXPECT_EQ(*short_point, (Point{4, 0}));
  EXPECT_TRUE(Deserialize<Point>(Serialize(std::vector<int>{1, 2, 3})).ok());
  EXPECT_EQ((Deserialize<std::pair<int, int>>(Serialize(std::vector<int>{1})).status().code()),
            absl::StatusCode::kInvalidArgument);
}

TEST(SerializationTest, OutOfRangeIntegersFail) {
  EXPECT_EQ(Deserialize<uint32_t>(Serialize(-1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Deserialize<int8_t>(Serialize(1000)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Deserialize<int>(Serialize(2.5)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Deserialize<bool>(Serialize(1)).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SerializationTest, MalformedBytesFail) {
  absl::StatusOr<int> empty = Deserialize<int>(std::string());
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "cannot deserialize int: no bytes");

  // 0xc1 is never used by msgpack.
  absl::StatusOr<int> invalid = Deserialize<int>(std::string("\xc1"));
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(invalid.status().message().find("not valid msgpack"), std::string::npos)
      << invalid.status();

  std::string truncated = Serialize(std::string("hello"));
  truncated.pop_back();
  absl::StatusOr<std::string> short_read = Deserialize<std::string>(truncated);
  EXPECT_EQ(short_read.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_read.status().message().find("insufficient"), std::string::npos)
      << short_read.status();

  absl::StatusOr<int> trailing = Deserialize<int>(Serialize(1) + Serialize(2));
  EXPECT_EQ(trailing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(trailing.status().message(),
            "cannot deserialize int: 1 trailing bytes after a msgpack POSITIVE_INTEGER of 1 bytes");
}

}  // namespace
}  // namespace photon
