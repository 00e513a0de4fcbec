#include "autoscaler/autoscaler_config.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace photon {
namespace autoscaler {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The message of a config that must not parse.
std::string Error(const std::string& yaml) {
  absl::StatusOr<AutoscalerConfig> config = ParseAutoscalerConfig(yaml);
  EXPECT_FALSE(config.ok()) << yaml;
  if (config.ok()) return "";
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

constexpr char kMinimal[] = "node_types:\n  cpu2: {resources: {CPU: 2}}\n";

TEST(AutoscalerConfigTest, ParsesEveryKey) {
  absl::StatusOr<AutoscalerConfig> config = ParseAutoscalerConfig(R"(
provider: {type: local, workdir: /tmp/photon}
max_workers: 10
idle_timeout_s: 45.5
upscaling_speed: 2
loop_period_s: 0.5
launch_timeout_s: 90
node_types:
  cpu2: {resources: {CPU: 2}, min_workers: 1, max_workers: 3, labels: {pool: cpu}}
  gpu1: {resources: {CPU: 8, GPU: 1, accel: 0}, max_workers: 2}
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->provider.type, "local");
  EXPECT_EQ(config->provider.settings.at("workdir"), "/tmp/photon");
  EXPECT_EQ(config->max_workers, 10);
  EXPECT_DOUBLE_EQ(config->idle_timeout_s, 45.5);
  EXPECT_DOUBLE_EQ(config->upscaling_speed, 2);
  EXPECT_DOUBLE_EQ(config->loop_period_s, 0.5);
  EXPECT_DOUBLE_EQ(config->launch_timeout_s, 90);
  ASSERT_EQ(config->node_types.size(), 2u);
  // In the file's order.
  const NodeTypeConfig& cpu2 = config->node_types[0];
  EXPECT_EQ(cpu2.name, "cpu2");
  EXPECT_EQ(cpu2.resources, (std::map<std::string, double>{{"CPU", 2}}));
  EXPECT_EQ(cpu2.min_workers, 1);
  EXPECT_EQ(cpu2.max_workers, 3);
  EXPECT_EQ(cpu2.labels, (std::map<std::string, std::string>{{"pool", "cpu"}}));
  // Zero amounts are dropped.
  EXPECT_EQ(config->node_types[1].resources, (std::map<std::string, double>{{"CPU", 8}, {"GPU", 1}}));
  EXPECT_EQ(config->FindType("gpu1"), &config->node_types[1]);
  EXPECT_EQ(config->FindType("tpu"), nullptr);
}

TEST(AutoscalerConfigTest, Defaults) {
  absl::StatusOr<AutoscalerConfig> config = ParseAutoscalerConfig(kMinimal);
  ASSERT_TRUE(config.ok()) << config.status();
  AutoscalerConfig defaults;
  EXPECT_EQ(config->provider.type, "local");
  EXPECT_TRUE(config->provider.settings.empty());
  EXPECT_EQ(config->max_workers, defaults.max_workers);
  EXPECT_EQ(config->idle_timeout_s, defaults.idle_timeout_s);
  EXPECT_EQ(config->upscaling_speed, defaults.upscaling_speed);
  EXPECT_EQ(config->loop_period_s, defaults.loop_period_s);
  EXPECT_EQ(config->launch_timeout_s, defaults.launch_timeout_s);
  // A type without max_workers is bounded by the cluster's.
  EXPECT_EQ(config->node_types[0].min_workers, 0);
  EXPECT_EQ(config->node_types[0].max_workers, defaults.max_workers);
}

TEST(AutoscalerConfigTest, ErrorsNameTheKeyAndTheProblem) {
  EXPECT_THAT(Error("node_types: [\n"), HasSubstr("malformed YAML"));
  EXPECT_THAT(Error(""), HasSubstr("empty document"));
  EXPECT_THAT(Error("- a\n- b\n"), HasSubstr("expected a map"));
  EXPECT_THAT(Error(std::string(kMinimal) + "idle_timeout: 5\n"),
              AllOf(HasSubstr("idle_timeout"), HasSubstr("unknown key"), HasSubstr("idle_timeout_s")));
  EXPECT_THAT(Error(std::string(kMinimal) + "max_workers: many\n"),
              AllOf(HasSubstr("max_workers"), HasSubstr("expected a whole number, got 'many'")));
  EXPECT_THAT(Error(std::string(kMinimal) + "max_workers: 2.5\n"), HasSubstr("expected a whole number"));
  EXPECT_THAT(Error(std::string(kMinimal) + "max_workers: -1\n"),
              AllOf(HasSubstr("max_workers (line 3)"), HasSubstr("must not be negative")));
  EXPECT_THAT(Error(std::string(kMinimal) + "idle_timeout_s: -3\n"), HasSubstr("idle_timeout_s"));
  EXPECT_THAT(Error(std::string(kMinimal) + "upscaling_speed: fast\n"),
              AllOf(HasSubstr("upscaling_speed"), HasSubstr("expected a number")));
  EXPECT_THAT(Error(std::string(kMinimal) + "loop_period_s: 0\n"),
              AllOf(HasSubstr("loop_period_s"), HasSubstr("greater than 0")));
  EXPECT_THAT(Error(std::string(kMinimal) + "launch_timeout_s: .inf\n"), HasSubstr("launch_timeout_s"));
}

TEST(AutoscalerConfigTest, NodeTypeErrors) {
  EXPECT_THAT(Error("max_workers: 3\n"), AllOf(HasSubstr("node_types"), HasSubstr("required")));
  EXPECT_THAT(Error("node_types: {}\n"), HasSubstr("at least one node type"));
  EXPECT_THAT(Error("node_types:\n  cpu2: {min_workers: 1}\n"),
              AllOf(HasSubstr("node_types.cpu2.resources"), HasSubstr("required")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {}}\n"),
              AllOf(HasSubstr("node_types.cpu2.resources"), HasSubstr("must offer some resource")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: 0}}\n"), HasSubstr("must offer some resource"));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: -2}}\n"),
              AllOf(HasSubstr("node_types.cpu2.resources.CPU"), HasSubstr("must not be negative")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: two}}\n"),
              AllOf(HasSubstr("node_types.cpu2.resources.CPU"), HasSubstr("expected a number, got 'two'")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: 2}, min_workers: 4, max_workers: 3}\n"),
              AllOf(HasSubstr("node_types.cpu2.min_workers"), HasSubstr("4 is more than max_workers 3")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: 2}, max_workers: -1}\n"),
              HasSubstr("node_types.cpu2.max_workers"));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: 2}, max_worker: 1}\n"),
              AllOf(HasSubstr("node_types.cpu2.max_worker"), HasSubstr("unknown key")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: 2}, labels: [a]}\n"),
              AllOf(HasSubstr("node_types.cpu2.labels"), HasSubstr("expected a map, got a list")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: 2}, labels: {photon.io/node-type: x}}\n"),
              AllOf(HasSubstr("node_types.cpu2.labels.photon.io/node-type"), HasSubstr("reserved")));
  EXPECT_THAT(Error("node_types:\n  cpu2: {resources: {CPU: 2}}\n  cpu2: {resources: {CPU: 4}}\n"),
              AllOf(HasSubstr("node_types.cpu2"), HasSubstr("defined twice")));
  EXPECT_THAT(Error("node_types:\n  cpu2: 3\n"), AllOf(HasSubstr("node_types.cpu2"), HasSubstr("expected a map")));
}

TEST(AutoscalerConfigTest, ProviderErrors) {
  EXPECT_THAT(Error(std::string(kMinimal) + "provider: {type: aws}\n"),
              AllOf(HasSubstr("provider.type"), HasSubstr("unknown provider 'aws'")));
  EXPECT_THAT(Error(std::string(kMinimal) + "provider: local\n"),
              AllOf(HasSubstr("provider"), HasSubstr("expected a map")));
  EXPECT_THAT(Error(std::string(kMinimal) + "provider: {type: local, ports: [1, 2]}\n"),
              AllOf(HasSubstr("provider.ports"), HasSubstr("expected a string")));
  EXPECT_THAT(
      Error(std::string(kMinimal) + "provider: {type: kubernetes, namespace: a, cluster_name: c}\n"),
      AllOf(HasSubstr("provider.pod_template_configmap"), HasSubstr("required when provider.type is kubernetes")));
  EXPECT_THAT(Error("provider: {type: kubernetes, namespace: a, cluster_name: c, pod_template_configmap: t}\n"
                    "node_types:\n  CPU_2: {resources: {CPU: 2}}\n"),
              AllOf(HasSubstr("node_types.CPU_2"), HasSubstr("lowercase")));
}

TEST(AutoscalerConfigTest, LocalExampleParses) {
  const std::string yaml = ReadFile("deploy/autoscaler-local.yaml");
  ASSERT_FALSE(yaml.empty());
  absl::StatusOr<AutoscalerConfig> config = ParseAutoscalerConfig(yaml);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->provider.type, "local");
  ASSERT_NE(config->FindType("cpu2"), nullptr);
  ASSERT_NE(config->FindType("gpu1"), nullptr);
  EXPECT_EQ(config->FindType("gpu1")->resources.at("GPU"), 1);
}

TEST(AutoscalerConfigTest, KubernetesExampleParses) {
  const std::string yaml = ReadFile("deploy/autoscaler-kubernetes.yaml");
  ASSERT_FALSE(yaml.empty());
  absl::StatusOr<AutoscalerConfig> config = ParseAutoscalerConfig(yaml);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->provider.type, "kubernetes");
  EXPECT_EQ(config->provider.settings.at("namespace"), "photon");
  EXPECT_EQ(config->provider.settings.at("cluster_name"), "photon-demo");
  EXPECT_EQ(config->provider.settings.at("pod_template_configmap"), "photon-worker-pod-template");
  // api_server is commented out: the provider falls back to the in-cluster address.
  EXPECT_EQ(config->provider.settings.count("api_server"), 0u);
  ASSERT_NE(config->FindType("cpu8"), nullptr);
  EXPECT_EQ(config->FindType("cpu8")->min_workers, 2);
}

}  // namespace
}  // namespace autoscaler
}  // namespace photon
