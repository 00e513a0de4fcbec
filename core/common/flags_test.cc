#include "core/common/flags.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace photon {
namespace {

FlagSet MakeFlags() {
  FlagSet flags("prog", "A test program.");
  flags.AddInt("port", 6379, "port");
  flags.AddString("storage", "memory", "storage");
  flags.AddDouble("num-cpus", 2, "cpus");
  flags.AddBool("head", false, "head");
  return flags;
}

TEST(FlagsTest, DefaultsWhenNothingIsGiven) {
  FlagSet flags = MakeFlags();
  ASSERT_TRUE(flags.Parse(std::vector<std::string>{}).ok());
  EXPECT_EQ(flags.GetInt("port"), 6379);
  EXPECT_EQ(flags.GetString("storage"), "memory");
  EXPECT_DOUBLE_EQ(flags.GetDouble("num-cpus"), 2);
  EXPECT_FALSE(flags.GetBool("head"));
  EXPECT_FALSE(flags.IsSet("port"));
}

TEST(FlagsTest, BothSpellingsAndPositionals) {
  FlagSet flags = MakeFlags();
  ASSERT_TRUE(flags.Parse({"start", "--port=7000", "--storage", "redis://h:1", "--head", "x"}).ok());
  EXPECT_EQ(flags.GetInt("port"), 7000);
  EXPECT_EQ(flags.GetString("storage"), "redis://h:1");
  EXPECT_TRUE(flags.GetBool("head"));
  EXPECT_EQ(flags.positional(), (std::vector<std::string>{"start", "x"}));
}

TEST(FlagsTest, EnvironmentOverridesDefaultAndFlagOverridesEnvironment) {
  ::setenv("PHOTON_NUM_CPUS", "8", 1);
  FlagSet from_env = MakeFlags();
  ASSERT_TRUE(from_env.Parse(std::vector<std::string>{}).ok());
  EXPECT_DOUBLE_EQ(from_env.GetDouble("num-cpus"), 8);
  EXPECT_TRUE(from_env.IsSet("num-cpus"));
  FlagSet from_flag = MakeFlags();
  ASSERT_TRUE(from_flag.Parse({"--num-cpus=3"}).ok());
  EXPECT_DOUBLE_EQ(from_flag.GetDouble("num-cpus"), 3);
  ::unsetenv("PHOTON_NUM_CPUS");
}

TEST(FlagsTest, BadInputNamesTheFlag) {
  FlagSet a = MakeFlags();
  absl::Status s = a.Parse({"--port=abc"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "--port expects an integer, got 'abc'");

  FlagSet b = MakeFlags();
  EXPECT_EQ(b.Parse({"--nope=1"}).message(), "unknown flag --nope");

  FlagSet c = MakeFlags();
  EXPECT_EQ(c.Parse({"--port"}).message(), "flag --port needs a value");

  ::setenv("PHOTON_HEAD", "maybe", 1);
  FlagSet d = MakeFlags();
  EXPECT_EQ(d.Parse(std::vector<std::string>{}).message(),
            "PHOTON_HEAD expects true or false, got 'maybe'");
  ::unsetenv("PHOTON_HEAD");
}

TEST(FlagsTest, UsageListsEveryFlagWithItsVariable) {
  std::string usage = MakeFlags().Usage();
  EXPECT_NE(usage.find("--port=VALUE"), std::string::npos);
  EXPECT_NE(usage.find("PHOTON_NUM_CPUS"), std::string::npos);
  EXPECT_NE(usage.find("default: memory"), std::string::npos);
}

}  // namespace
}  // namespace photon
