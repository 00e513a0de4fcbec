#include "core/api/function_registry.h"

#include <map>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/api/serialization.h"
#include "core/api/serialize_args.h"
#include "gtest/gtest.h"

namespace photon {
namespace {

int Plus(int a, int b) { return a + b; }
std::string Concat(const std::string& a, std::vector<int> v) {
  return a + ":" + std::to_string(std::accumulate(v.begin(), v.end(), 0));
}
double Half(double x) { return x / 2; }
int Answer() { return 42; }
int side_effect = 0;
void Touch(int value) { side_effect = value; }
int Fail(int) { throw std::runtime_error("bad input"); }
int FailOddly() { throw 7; }
std::map<std::string, int> Count(std::vector<std::string> words) {
  std::map<std::string, int> counts;
  for (const std::string& w : words) ++counts[w];
  return counts;
}
int Plus2(int a, int b) { return a + b; }
int Unregistered(int a) { return a; }
int Ident(int a) noexcept { return a; }

template <typename A, typename B>
A FirstOf(A a, B) { return a; }

}  // namespace

namespace ns {
int Twice(int a) { return 2 * a; }
}  // namespace ns

PHOTON_REMOTE(Plus, Concat, Half, Answer, Touch, Fail, FailOddly, Count);
PHOTON_REMOTE(&ns::Twice, FirstOf<int, std::string>, Ident);
PHOTON_REMOTE(Plus);  // The same function again is fine.

namespace {

const FunctionRegistry::Entry& MustFind(const std::string& name) {
  const FunctionRegistry::Entry* entry = FunctionRegistry::Global().Find(name);
  if (entry == nullptr) {
    ADD_FAILURE() << "no remote function " << name;
    static const FunctionRegistry::Entry kEmpty;
    return kEmpty;
  }
  return *entry;
}

template <typename T>
T Result(const absl::StatusOr<std::string>& bytes) {
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  if (!bytes.ok()) return T();
  absl::StatusOr<T> value = Deserialize<T>(*bytes);
  EXPECT_TRUE(value.ok()) << value.status();
  return value.ok() ? *value : T();
}

TEST(FunctionRegistryTest, RegistersEveryFunctionOfTheMacro) {
  std::vector<std::string> names = FunctionRegistry::Global().Names();
  for (const char* name :
       {"Plus", "Concat", "Half", "Answer", "Touch", "Fail", "FailOddly", "Count", "ns::Twice",
        "FirstOf<int, std::string>", "Ident", "photon_test_functions::Greet"}) {
    EXPECT_NE(FunctionRegistry::Global().Find(name), nullptr) << name;
  }
  EXPECT_EQ(FunctionRegistry::Global().Find("Missing"), nullptr);
  EXPECT_EQ(MustFind("Plus").arity, 2u);
  EXPECT_EQ(MustFind("Answer").arity, 0u);
}

TEST(FunctionRegistryTest, InvokesWithSerializedArguments) {
  EXPECT_EQ(Result<int>(MustFind("Plus").invoke({Serialize(2), Serialize(3)})), 5);
  EXPECT_EQ(Result<std::string>(MustFind("Concat").invoke(
                {Serialize(std::string("sum")), Serialize(std::vector<int>{1, 2, 3})})),
            "sum:6");
  EXPECT_EQ(Result<int>(MustFind("Answer").invoke({})), 42);
  EXPECT_EQ(Result<int>(MustFind("ns::Twice").invoke({Serialize(21)})), 42);
  EXPECT_EQ(Result<int>(MustFind("Ident").invoke({Serialize(9)})), 9);
  EXPECT_EQ(Result<int>(MustFind("FirstOf<int, std::string>")
                            .invoke({Serialize(1), Serialize(std::string("x"))})),
            1);
  EXPECT_EQ(Result<std::string>(MustFind("photon_test_functions::Greet")
                                    .invoke({Serialize(std::string("world"))})),
            "hello world");
  std::map<std::string, int> counts = Result<std::map<std::string, int>>(
      MustFind("Count").invoke({Serialize(std::vector<std::string>{"a", "b", "a"})}));
  EXPECT_EQ(counts, (std::map<std::string, int>{{"a", 2}, {"b", 1}}));
}

TEST(FunctionRegistryTest, VoidFunctionReturnsNil) {
  side_effect = 0;
  absl::StatusOr<std::string> result = MustFind("Touch").invoke({Serialize(11)});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, Serialize(msgpack::type::nil_t()));
  EXPECT_EQ(side_effect, 11);
}

TEST(FunctionRegistryTest, WrongArgumentCount) {
  absl::StatusOr<std::string> result = MustFind("Plus").invoke({Serialize(1)});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(), "task Plus takes 2 arguments, got 1");
  result = MustFind("Answer").invoke({Serialize(1)});
  EXPECT_EQ(result.status().message(), "task Answer takes 0 arguments, got 1");
}

TEST(FunctionRegistryTest, BadArgumentNamesFunctionIndexAndType) {
  absl::StatusOr<std::string> result =
      MustFind("Concat").invoke({Serialize(std::string("a")), Serialize(std::string("b"))});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "task Concat: argument 1 (std::vector<int, std::allocator<int> >): cannot deserialize "
            "std::vector<int, std::allocator<int> > from msgpack STR (2 bytes): "
            "msgpack::v1::type_error: std::bad_cast");

  result = MustFind("Half").invoke({std::string("\xc1")});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("task Half: argument 0 (double)"), std::string::npos)
      << result.status();
}

TEST(FunctionRegistryTest, UserExceptionBecomesUnknownError) {
  absl::StatusOr<std::string> result = MustFind("Fail").invoke({Serialize(1)});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(result.status().message(), "task Fail threw std::runtime_error: bad input");

  result = MustFind("FailOddly").invoke({});
  ASSERT_EQ(result.status().code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(result.status().message(), "task FailOddly threw int");
}

TEST(FunctionRegistryTest, NameOfFindsRegisteredPointers) {
  const FunctionRegistry& registry = FunctionRegistry::Global();
  EXPECT_EQ(registry.NameOf(&Plus), "Plus");
  EXPECT_EQ(registry.NameOf(Concat), "Concat");
  EXPECT_EQ(registry.NameOf(&ns::Twice), "ns::Twice");
  EXPECT_EQ(registry.NameOf(&Unregistered), std::nullopt);
  EXPECT_EQ(registry.NameOfAddress(reinterpret_cast<const void*>(&Half)), "Half");
  EXPECT_EQ(registry.NameOfAddress(nullptr), std::nullopt);
}

TEST(FunctionRegistryTest, RejectsASecondFunctionUnderTheSameName) {
  FunctionRegistry registry;
  EXPECT_TRUE(registry.Register("add", &Plus).ok());
  EXPECT_TRUE(registry.Register("add", &Plus).ok());
  absl::Status status = registry.Register("add", &Plus2);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(status.message().find("\"add\""), std::string::npos) << status;
  EXPECT_EQ(registry.NameOf(&Plus), "add");
  EXPECT_EQ(registry.NameOf(&Plus2), std::nullopt);

  // A second name for the same function: NameOf keeps the first.
  EXPECT_TRUE(registry.Register("sum", &Plus).ok());
  EXPECT_EQ(registry.NameOf(&Plus), "add");
  EXPECT_NE(registry.Find("sum"), nullptr);
  EXPECT_EQ(registry.Names(), (std::vector<std::string>{"add", "sum"}));
}

TEST(FunctionRegistryDeathTest, MacroAbortsOnADuplicateName) {
  EXPECT_DEATH(api_internal::RegisterRemote("Plus", __FILE__, __LINE__, &Plus2),
               "PHOTON_REMOTE at .*function_registry_test.cc:[0-9]+: remote function name "
               "\"Plus\" is registered twice");
}

TEST(FunctionRegistryTest, SplitsStringizedNames) {
  EXPECT_EQ(api_internal::SplitRemoteNames("Plus"), (std::vector<std::string>{"Plus"}));
  EXPECT_EQ(api_internal::SplitRemoteNames(" Plus ,  &a::Minus,F<int, std::map<int, int>>"),
            (std::vector<std::string>{"Plus", "a::Minus", "F<int, std::map<int, int>>"}));
}

TEST(FunctionRegistryTest, SerializedArgsInvokeTheFunction) {
  absl::StatusOr<std::vector<std::string>> args = SerializeArgs(&Half, 5);
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(Result<double>(MustFind("Half").invoke(*args)), 2.5);

  args = SerializeArgs(&Concat, "total", std::vector<int>{4, 5});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(Result<std::string>(MustFind("Concat").invoke(*args)), "total:9");
}

}  // namespace
}  // namespace photon
