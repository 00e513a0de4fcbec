#include "autoscaler/kubernetes_pods.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace photon {
namespace autoscaler {
namespace {

using nlohmann::json;

json Template() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"generateName": "w-", "uid": "u1", "labels": {"app": "photon", "photon.io/cluster": "wrong"}},
    "spec": {
      "restartPolicy": "Never",
      "containers": [
        {"name": "sidecar", "image": "busybox"},
        {"name": "photon-worker", "image": "photon:latest",
         "resources": {"requests": {"ephemeral-storage": "1Gi", "cpu": "9"}},
         "env": [{"name": "PHOTON_NUM_CPUS", "value": "64"}, {"name": "KEEP", "value": "me"}]}
      ]
    },
    "status": {"phase": "Running"}
  })");
}

NodeTypeConfig Gpu() {
  NodeTypeConfig type;
  type.name = "gpu1";
  type.resources = {{"CPU", 0.5}, {"GPU", 1}, {"memory", 4294967296.0}, {"custom", 2}};
  type.labels = {{"pool", "gpu"}};
  return type;
}

WorkerPodSpec Spec(const NodeTypeConfig& type, const std::string& id = "photon-demo-gpu1-0") {
  WorkerPodSpec spec;
  spec.instance_id = id;
  spec.cluster_name = "demo";
  spec.pod_namespace = "ns";
  spec.type = &type;
  return spec;
}

std::map<std::string, std::string> Env(const json& container) {
  std::map<std::string, std::string> env;
  for (const json& e : container["env"]) env[e["name"]] = e["value"];
  return env;
}

TEST(WorkerPodTest, NamesLabelsAndStripsTheTemplate) {
  NodeTypeConfig type = Gpu();
  absl::StatusOr<json> pod = WorkerPod(Template(), Spec(type));
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ((*pod)["metadata"]["name"], "photon-demo-gpu1-0");
  EXPECT_EQ((*pod)["metadata"]["namespace"], "ns");
  EXPECT_FALSE((*pod)["metadata"].contains("generateName"));
  EXPECT_FALSE((*pod)["metadata"].contains("uid"));
  EXPECT_FALSE(pod->contains("status"));
  EXPECT_EQ((*pod)["metadata"]["labels"], json({{"app", "photon"},
                                                {"pool", "gpu"},
                                                {"photon.io/cluster", "demo"},
                                                {"photon.io/node-type", "gpu1"},
                                                {"photon.io/instance-id", "photon-demo-gpu1-0"}}));
  EXPECT_EQ((*pod)["spec"]["restartPolicy"], "Never");
}

TEST(WorkerPodTest, FillsTheWorkerContainerOnly) {
  NodeTypeConfig type = Gpu();
  absl::StatusOr<json> pod = WorkerPod(Template(), Spec(type));
  ASSERT_TRUE(pod.ok()) << pod.status();
  const json& sidecar = (*pod)["spec"]["containers"][0];
  EXPECT_EQ(sidecar, json({{"name", "sidecar"}, {"image", "busybox"}}));
  const json& worker = (*pod)["spec"]["containers"][1];
  const json quantities = {{"cpu", "500m"}, {"memory", "4294967296"}, {"nvidia.com/gpu", "1"}};
  json requests = quantities;
  requests["ephemeral-storage"] = "1Gi";
  EXPECT_EQ(worker["resources"]["requests"], requests);
  EXPECT_EQ(worker["resources"]["limits"], quantities);
  std::map<std::string, std::string> env = Env(worker);
  EXPECT_EQ(env["KEEP"], "me");
  EXPECT_EQ(env["PHOTON_NUM_CPUS"], "0.5");
  EXPECT_EQ(env["PHOTON_NUM_GPUS"], "1");
  EXPECT_EQ(env["PHOTON_MEMORY"], "4294967296");
  EXPECT_EQ(json::parse(env["PHOTON_RESOURCES"]), json({{"custom", 2}}));
  EXPECT_EQ(json::parse(env["PHOTON_NODE_LABELS"]), json({{"pool", "gpu"},
                                                          {"photon.io/node-type", "gpu1"},
                                                          {"photon.io/instance-id", "photon-demo-gpu1-0"}}));
  EXPECT_EQ(worker["env"].size(), 6u);  // PHOTON_NUM_CPUS replaced, not doubled
}

TEST(WorkerPodTest, FirstContainerAndZeroCountsWithoutResources) {
  NodeTypeConfig type;
  type.name = "tiny";
  type.resources = {{"CPU", 2}};
  json tmpl = {{"spec", {{"containers", {{{"name", "main"}, {"image", "x"}}}}}}};
  absl::StatusOr<json> pod = WorkerPod(tmpl, Spec(type, "t-1"));
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ((*pod)["kind"], "Pod");
  const json& main = (*pod)["spec"]["containers"][0];
  EXPECT_EQ(main["resources"]["limits"], json({{"cpu", "2"}}));
  std::map<std::string, std::string> env = Env(main);
  EXPECT_EQ(env["PHOTON_NUM_CPUS"], "2");
  EXPECT_EQ(env["PHOTON_NUM_GPUS"], "0");
  EXPECT_EQ(env["PHOTON_RESOURCES"], "{}");
  EXPECT_EQ(env.count("PHOTON_MEMORY"), 0u);
}

TEST(WorkerPodTest, RejectsBadInput) {
  NodeTypeConfig type = Gpu();
  EXPECT_TRUE(absl::IsInvalidArgument(WorkerPod(Template(), Spec(type, "Photon_1")).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(WorkerPod(json::array(), Spec(type)).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(WorkerPod(json({{"kind", "Deployment"}}), Spec(type)).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(WorkerPod(json({{"spec", {{"containers", json::array()}}}}), Spec(type)).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(WorkerPod(json({{"spec", "x"}}), Spec(type)).status()));
  type.resources["GPU"] = 0.5;
  absl::Status half = WorkerPod(Template(), Spec(type)).status();
  EXPECT_TRUE(absl::IsInvalidArgument(half));
  EXPECT_THAT(std::string(half.message()), testing::HasSubstr("whole GPUs"));
}

TEST(IsDns1123LabelTest, Cases) {
  EXPECT_TRUE(IsDns1123Label("photon-demo-cpu2-3"));
  EXPECT_TRUE(IsDns1123Label("a"));
  EXPECT_FALSE(IsDns1123Label(""));
  EXPECT_FALSE(IsDns1123Label("-a"));
  EXPECT_FALSE(IsDns1123Label("a-"));
  EXPECT_FALSE(IsDns1123Label("a.b"));
  EXPECT_FALSE(IsDns1123Label("../x"));
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
}

json Pod(const std::string& phase, json status_extra = json::object()) {
  json pod = {{"metadata",
               {{"name", "p1"}, {"labels", {{"photon.io/instance-id", "id-1"}, {"photon.io/node-type", "cpu2"}}}}},
              {"status", {{"phase", phase}}}};
  pod["status"].update(status_extra);
  return pod;
}

TEST(InstanceFromPodTest, PendingUnschedulable) {
  ProviderInstance i = InstanceFromPod(Pod(
      "Pending", {{"conditions",
                   {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"},
                     {"message", "0/3 nodes are available: 3 Insufficient cpu."}}}}}));
  EXPECT_EQ(i.instance_id, "id-1");
  EXPECT_EQ(i.node_type, "cpu2");
  EXPECT_EQ(i.state, InstanceState::kRequested);
  EXPECT_EQ(i.message, "Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.");
}

TEST(InstanceFromPodTest, PendingPullingImage) {
  ProviderInstance i = InstanceFromPod(Pod(
      "Pending", {{"conditions", {{{"type", "PodScheduled"}, {"status", "True"}}}},
                  {"containerStatuses",
                   {{{"name", "photon-worker"},
                     {"state", {{"waiting", {{"reason", "ErrImagePull"}, {"message", "not found"}}}}}}}}}));
  EXPECT_EQ(i.state, InstanceState::kRequested);
  EXPECT_EQ(i.message, "container photon-worker waiting: ErrImagePull: not found");
}

TEST(InstanceFromPodTest, RunningReadyOrNot) {
  ProviderInstance ready = InstanceFromPod(Pod("Running", {{"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}));
  EXPECT_EQ(ready.state, InstanceState::kRunning);
  ProviderInstance starting = InstanceFromPod(Pod(
      "Running", {{"conditions",
                   {{{"type", "Ready"}, {"status", "False"}, {"reason", "ContainersNotReady"},
                     {"message", "containers with unready status: [photon-worker]"}}}}}));
  EXPECT_EQ(starting.state, InstanceState::kAllocated);
  EXPECT_EQ(starting.message, "ContainersNotReady: containers with unready status: [photon-worker]");
}

TEST(InstanceFromPodTest, FailedSucceededDeletedUnknown) {
  ProviderInstance evicted =
      InstanceFromPod(Pod("Failed", {{"reason", "Evicted"}, {"message", "The node was low on resource: memory."}}));
  EXPECT_EQ(evicted.state, InstanceState::kFailed);
  EXPECT_EQ(evicted.message, "Evicted: The node was low on resource: memory.");
  ProviderInstance oom = InstanceFromPod(Pod(
      "Failed", {{"containerStatuses",
                  {{{"name", "w"}, {"state", {{"terminated", {{"reason", "OOMKilled"}, {"exitCode", 137}}}}}}}}}));
  EXPECT_EQ(oom.message, "container w terminated: OOMKilled (exit code 137)");
  EXPECT_EQ(InstanceFromPod(Pod("Succeeded")).state, InstanceState::kTerminated);
  json deleting = Pod("Running");
  deleting["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  EXPECT_EQ(InstanceFromPod(deleting).state, InstanceState::kTerminated);
  EXPECT_EQ(InstanceFromPod(Pod("Unknown")).state, InstanceState::kAllocated);
  json unlabeled = {{"metadata", {{"name", "p9"}}}};
  EXPECT_EQ(InstanceFromPod(unlabeled).instance_id, "p9");
}

}  // namespace
}  // namespace autoscaler
}  // namespace photon
