#include "core/api/serialize_args.h"

#include <string>
#include <vector>

#include "core/api/serialization.h"
#include "gtest/gtest.h"

namespace photon {
namespace {

double Scale(double x, const std::vector<int>& v) { return x * static_cast<double>(v.size()); }
std::string Name(const std::string& s) { return s; }
int Nothing() { return 0; }
long Widen(long x) noexcept { return x; }

TEST(SerializeArgsTest, ConvertsToTheParameterTypeFirst) {
  absl::StatusOr<std::vector<std::string>> args = SerializeArgs(&Scale, 2, std::vector<int>{1, 2});
  ASSERT_TRUE(args.ok()) << args.status();
  ASSERT_EQ(args->size(), 2u);
  EXPECT_EQ((*args)[0], Serialize(2.0));
  EXPECT_EQ(Deserialize<double>((*args)[0]).value(), 2.0);
  EXPECT_EQ((*args)[1], Serialize(std::vector<int>{1, 2}));

  // msgpack writes a whole double as an integer, so the conversion shows in
  // the bytes only for a fraction: a float argument is written as a double.
  args = SerializeArgs(&Scale, 0.1f, std::vector<int>{});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[0], Serialize(static_cast<double>(0.1f)));
  EXPECT_NE((*args)[0], Serialize(0.1f));
  EXPECT_EQ((*args)[0].size(), 9u);  // float64 marker and 8 bytes
}

TEST(SerializeArgsTest, AcceptsLvaluesAndImplicitConversions) {
  std::string s = "abc";
  absl::StatusOr<std::vector<std::string>> args = SerializeArgs(&Name, s);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[0], Serialize(std::string("abc")));

  args = SerializeArgs(Name, "literal");
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ((*args)[0], Serialize(std::string("literal")));

  const int small = 3;
  args = SerializeArgs(&Widen, small);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(Deserialize<long>((*args)[0]).value(), 3L);
}

TEST(SerializeArgsTest, NoArguments) {
  absl::StatusOr<std::vector<std::string>> args = SerializeArgs(&Nothing);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_TRUE(args->empty());
}

// Each of these fails to compile with the static_assert's message:
//   SerializeArgs(&Scale, 1.0);                       // wrong number of arguments
//   SerializeArgs(&Scale, std::string("x"), std::vector<int>{});  // not convertible

}  // namespace
}  // namespace photon
