#include "raylet/resource_config.h"

#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

MachineInfo Machine() {
  MachineInfo m;
  m.num_cores = 8;
  m.num_gpus = 2;
  m.total_memory = 10000;
  m.available_memory = 8000;
  m.shm_free = 2000;
  return m;
}

double Amount(const rpc::ResourceSet& set, const std::string& name) {
  auto it = set.amounts().find(name);
  return it == set.amounts().end() ? -1 : it->second;
}

TEST(ResourceConfigTest, DefaultsComeFromTheMachine) {
  NodeResourceFlags flags;
  flags.node_ip = "10.0.0.5";
  flags.is_head = true;
  absl::StatusOr<rpc::ResourceSet> set = BuildNodeResources(flags, Machine());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Amount(*set, "CPU"), 8);
  EXPECT_EQ(Amount(*set, "GPU"), 2);
  EXPECT_EQ(Amount(*set, "object_store_memory"), 2000);  // 30% = 3000, capped by /dev/shm
  EXPECT_EQ(Amount(*set, "memory"), 6000);
  EXPECT_EQ(Amount(*set, "node:10.0.0.5"), 1);
  EXPECT_EQ(Amount(*set, "node:__internal_head__"), 1);
}

TEST(ResourceConfigTest, FlagsAndCustomResources) {
  NodeResourceFlags flags;
  flags.num_cpus = 3;
  flags.num_gpus = 0;
  flags.memory = 100;
  flags.object_store_memory = 500;
  flags.resources_json = R"({"special": 2, "tpu": 0.5})";
  absl::StatusOr<rpc::ResourceSet> set = BuildNodeResources(flags, Machine());
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(Amount(*set, "CPU"), 3);
  EXPECT_EQ(Amount(*set, "GPU"), 0);
  EXPECT_EQ(Amount(*set, "memory"), 100);
  EXPECT_EQ(Amount(*set, "object_store_memory"), 500);
  EXPECT_EQ(Amount(*set, "special"), 2);
  EXPECT_EQ(Amount(*set, "tpu"), 0.5);
  EXPECT_EQ(Amount(*set, "node:__internal_head__"), -1);
}

TEST(ResourceConfigTest, BadInputNamesTheProblem) {
  auto error = [](NodeResourceFlags flags) {
    return std::string(BuildNodeResources(flags, Machine()).status().message());
  };
  NodeResourceFlags malformed;
  malformed.resources_json = "{not json";
  EXPECT_NE(error(malformed).find("--resources must be a JSON object"), std::string::npos);
  NodeResourceFlags not_object;
  not_object.resources_json = "[1, 2]";
  EXPECT_NE(error(not_object).find("--resources must be a JSON object"), std::string::npos);
  NodeResourceFlags negative;
  negative.resources_json = R"({"x": -1})";
  EXPECT_EQ(error(negative), "--resources: resource 'x' must be >= 0, got -1");
  NodeResourceFlags text;
  text.resources_json = R"({"x": "two"})";
  EXPECT_EQ(error(text), "--resources: resource 'x' must be a number");
  NodeResourceFlags builtin;
  builtin.resources_json = R"({"CPU": 4})";
  EXPECT_NE(error(builtin).find("'CPU' is built in"), std::string::npos);
  NodeResourceFlags too_big;
  too_big.object_store_memory = 5000;
  EXPECT_NE(error(too_big).find("does not fit in /dev/shm, which has 2000 bytes free"),
            std::string::npos);
  NodeResourceFlags bad_cpus;
  bad_cpus.num_cpus = -3;
  EXPECT_EQ(error(bad_cpus), "--num-cpus must be >= 0, got -3");
}

}  // namespace
}  // namespace raylet
}  // namespace photon
