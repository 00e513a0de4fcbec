#include "core/api/type_name.h"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace photon {
namespace {

struct LocalError {};

TEST(TypeNameTest, NamesBuiltinAndStandardTypes) {
  EXPECT_EQ(TypeName<int>(), "int");
  EXPECT_EQ(TypeName<double>(), "double");
  EXPECT_EQ(TypeName<std::string>(), "std::string");
  EXPECT_EQ(TypeName<std::vector<int>>(), "std::vector<int, std::allocator<int> >");
  using Map = std::map<std::string, int>;
  EXPECT_EQ(TypeName<Map>().rfind("std::map<std::string, int", 0), 0u) << TypeName<Map>();
}

TEST(TypeNameTest, ReturnsUndemangleableNamesUnchanged) {
  EXPECT_EQ(Demangle("not a mangled name"), "not a mangled name");
}

TEST(TypeNameTest, DescribesStandardAndOtherExceptions) {
  try {
    throw std::runtime_error("boom");
  } catch (...) {
    EXPECT_EQ(DescribeCurrentException(), "std::runtime_error: boom");
  }
  try {
    throw 42;
  } catch (...) {
    EXPECT_EQ(DescribeCurrentException(), "int");
  }
  try {
    throw LocalError();
  } catch (...) {
    EXPECT_EQ(DescribeCurrentException(), "photon::(anonymous namespace)::LocalError");
  }
}

}  // namespace
}  // namespace photon
