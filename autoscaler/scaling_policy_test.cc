#include "autoscaler/scaling_policy.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace photon {
namespace autoscaler {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

using Launches = std::map<std::string, int>;

AutoscalerConfig Config(const std::string& yaml) {
  absl::StatusOr<AutoscalerConfig> config = ParseAutoscalerConfig(yaml);
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : AutoscalerConfig();
}

// cpu2 and cpu8 for CPU work, gpu1 for GPU work.
AutoscalerConfig ThreeTypes() {
  return Config(R"(
max_workers: 100
idle_timeout_s: 60
node_types:
  cpu2: {resources: {CPU: 2}, max_workers: 50}
  cpu8: {resources: {CPU: 8}, max_workers: 50}
  gpu1: {resources: {CPU: 8, GPU: 1}, max_workers: 10}
)");
}

NodeView Head(Resources total, Resources available) {
  NodeView node;
  node.is_head = true;
  node.total = std::move(total);
  node.available = std::move(available);
  return node;
}

NodeView Worker(const std::string& id, const std::string& type, InstanceState state, Resources total,
                Resources available, double idle_s = 0) {
  NodeView node;
  node.instance_id = id;
  node.node_type = type;
  node.state = state;
  node.total = std::move(total);
  node.available = std::move(available);
  node.idle_s = idle_s;
  return node;
}

// A head with nothing free, so only the test's other nodes and new ones count.
ScalingInput BusyHead() {
  ScalingInput input;
  input.nodes.push_back(Head({{"CPU", 4}}, {{"CPU", 0}}));
  return input;
}

bool AnyReason(const ScalingDecision& d, const std::string& text) {
  return std::any_of(d.reasons.begin(), d.reasons.end(),
                     [&](const std::string& r) { return r.find(text) != std::string::npos; });
}

std::string AllReasons(const ScalingDecision& d) {
  std::string all;
  for (const std::string& r : d.reasons) all += r + "\n";
  return all;
}

TEST(ScalingPolicyTest, NothingToDoDecidesNothing) {
  const ScalingDecision d = Decide(ThreeTypes(), BusyHead());
  EXPECT_THAT(d.launch, IsEmpty());
  EXPECT_THAT(d.drain, IsEmpty());
  EXPECT_THAT(d.infeasible, IsEmpty());
}

TEST(ScalingPolicyTest, PacksOntoFreeCapacityOfRunningNodesFirst) {
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("w1", "cpu8", InstanceState::kRunning, {{"CPU", 8}}, {{"CPU", 3}}));
  input.tasks.push_back({{{"CPU", 1}}, 3});
  const ScalingDecision d = Decide(ThreeTypes(), input);
  EXPECT_THAT(d.launch, IsEmpty()) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "pending tasks on free capacity: 3 on running nodes")) << AllReasons(d);

  // One more than fits: one new node, of the type that wastes least (cpu2 holds 1 of 2 CPUs
  // busy; cpu8 would leave 7 of 8 idle).
  input.tasks[0].count = 4;
  const ScalingDecision more = Decide(ThreeTypes(), input);
  EXPECT_EQ(more.launch, (Launches{{"cpu2", 1}})) << AllReasons(more);
  EXPECT_TRUE(AnyReason(more, "launch 1 x cpu2 (least waste) for pending tasks")) << AllReasons(more);
}

TEST(ScalingPolicyTest, ThenOntoLaunchingNodes) {
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("w1", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 1}}));
  input.nodes.push_back(Worker("w2", "cpu8", InstanceState::kRequested, {{"CPU", 8}}, {{"CPU", 8}}));
  input.nodes.push_back(Worker("w3", "cpu2", InstanceState::kAllocated, {{"CPU", 2}}, {{"CPU", 2}}));
  input.tasks.push_back({{{"CPU", 1}}, 11});  // 1 running + 8 + 2 launching
  ScalingDecision d = Decide(ThreeTypes(), input);
  EXPECT_THAT(d.launch, IsEmpty()) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "1 on running nodes, 10 on nodes launching")) << AllReasons(d);

  input.tasks[0].count = 13;
  d = Decide(ThreeTypes(), input);
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 1}})) << AllReasons(d);
}

TEST(ScalingPolicyTest, NewNodesOfTheLeastWastefulType) {
  ScalingInput input = BusyHead();
  // 16 one-CPU tasks fill cpu2 and cpu8 nodes alike: the larger type takes them in fewer nodes.
  input.tasks.push_back({{{"CPU", 1}}, 16});
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu8", 2}}));

  // 17: two cpu8 and, for the last task, a cpu2 (half used, not a cpu8 seven-eighths idle).
  input.tasks[0].count = 17;
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu2", 1}, {"cpu8", 2}}));

  // A shape only cpu8 holds.
  input.tasks[0] = {{{"CPU", 5}}, 2};
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu8", 2}}));

  // Resources a type offers but the shape leaves unused count as waste.
  const AutoscalerConfig config = Config(R"(
node_types:
  big: {resources: {CPU: 2, memory: 64}}
  small: {resources: {CPU: 2}}
)");
  input.tasks[0] = {{{"CPU", 2}}, 1};
  EXPECT_EQ(Decide(config, input).launch, (Launches{{"small", 1}}));
  input.tasks[0] = {{{"CPU", 1}, {"memory", 32}}, 2};
  EXPECT_EQ(Decide(config, input).launch, (Launches{{"big", 1}}));
}

TEST(ScalingPolicyTest, SmallerShapesFillLeftoverRoomOfNewNodes) {
  ScalingInput input = BusyHead();
  input.tasks.push_back({{{"CPU", 6}}, 1});
  input.tasks.push_back({{{"CPU", 1}}, 2});  // fit beside the 6-CPU task on its cpu8
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu8", 1}}));
}

TEST(ScalingPolicyTest, GpuTypesOnlyForGpuDemand) {
  AutoscalerConfig config = ThreeTypes();
  config.node_types[0].max_workers = 2;  // cpu2
  config.node_types[1].max_workers = 0;  // cpu8: never
  ScalingInput input = BusyHead();
  input.tasks.push_back({{{"CPU", 1}}, 100});
  ScalingDecision d = Decide(config, input);
  // The CPU types run out; the idle GPU type is still not used for CPU work.
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 2}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "wait: 96 pending tasks")) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "cpu2 at max_workers 2")) << AllReasons(d);

  input.tasks.push_back({{{"CPU", 1}, {"GPU", 1}}, 2});
  d = Decide(config, input);
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 2}, {"gpu1", 2}})) << AllReasons(d);

  // Only when no CPU type can hold a shape at all does a GPU type take it.
  input.tasks = {{{{"CPU", 6}}, 1}};
  d = Decide(config, input);
  EXPECT_EQ(d.launch, (Launches{{"gpu1", 1}})) << AllReasons(d);
}

TEST(ScalingPolicyTest, CpuTasksUseLeftoverCpuOfGpuNodes) {
  ScalingInput input = BusyHead();
  input.tasks.push_back({{{"CPU", 1}}, 7});
  input.tasks.push_back({{{"CPU", 1}, {"GPU", 1}}, 1});
  // The GPU task is placed first; the CPU tasks then fit its node's other 7 CPUs.
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"gpu1", 1}}));
}

TEST(ScalingPolicyTest, MinWorkersWithoutDemand) {
  AutoscalerConfig config = ThreeTypes();
  config.node_types[0].min_workers = 3;
  ScalingInput input = BusyHead();
  ScalingDecision d = Decide(config, input);
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 3}}));
  EXPECT_TRUE(AnyReason(d, "launch 3 x cpu2: min_workers 3 (0 running or launching)")) << AllReasons(d);

  // Running and launching ones count; draining ones do not.
  input.nodes.push_back(Worker("a", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}));
  input.nodes.push_back(Worker("b", "cpu2", InstanceState::kRequested, {{"CPU", 2}}, {{"CPU", 2}}));
  input.nodes.push_back(Worker("c", "cpu2", InstanceState::kDraining, {{"CPU", 2}}, {{"CPU", 2}}));
  EXPECT_EQ(Decide(config, input).launch, (Launches{{"cpu2", 1}}));

  // Demand packs onto the min_workers nodes before more are launched.
  input = BusyHead();
  input.tasks.push_back({{{"CPU", 1}}, 6});
  d = Decide(config, input);
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 3}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "6 on new nodes launched for min_workers or other shapes")) << AllReasons(d);
}

TEST(ScalingPolicyTest, TypeAndClusterMaxWorkers) {
  AutoscalerConfig config = ThreeTypes();
  config.node_types[1].max_workers = 3;  // cpu8
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("a", "cpu8", InstanceState::kRunning, {{"CPU", 8}}, {{"CPU", 0}}));
  input.nodes.push_back(Worker("b", "cpu8", InstanceState::kDraining, {{"CPU", 8}}, {{"CPU", 8}}));
  input.tasks.push_back({{{"CPU", 5}}, 4});
  ScalingDecision d = Decide(config, input);
  // Two cpu8 exist (a draining one still counts until it is gone): one more.
  EXPECT_EQ(d.launch, (Launches{{"cpu8", 1}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "wait: 3 pending tasks (3 x {CPU: 5}): cpu8 at max_workers 3")) << AllReasons(d);

  config.node_types[1].max_workers = 50;
  config.max_workers = 4;
  d = Decide(config, input);
  EXPECT_EQ(d.launch, (Launches{{"cpu8", 2}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "cluster at max_workers 4")) << AllReasons(d);

  // min_workers is bounded by max_workers as well.
  config.node_types[0].min_workers = 5;
  input.tasks.clear();
  d = Decide(config, input);
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 2}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "cpu2 stays below min_workers 5: cluster at max_workers 4")) << AllReasons(d);
}

TEST(ScalingPolicyTest, UpscalingSpeedCapsLaunchesInFlight) {
  ScalingInput input = BusyHead();
  input.tasks.push_back({{{"CPU", 8}}, 100});
  // One node running (the head): at most max(5, 1 x 1) = 5 in flight.
  ScalingDecision d = Decide(ThreeTypes(), input);
  EXPECT_EQ(d.launch, (Launches{{"cpu8", 5}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "upscaling_speed: at most 5 launches in flight = max(5, 1 x 1 running); 0 already"))
      << AllReasons(d);

  // Three already in flight: two more.
  for (const char* id : {"a", "b", "c"}) {
    input.nodes.push_back(Worker(id, "cpu8", InstanceState::kRequested, {{"CPU", 8}}, {{"CPU", 8}}));
  }
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu8", 2}}));

  // Ten running at speed 2: 20 in flight, 3 already.
  AutoscalerConfig config = ThreeTypes();
  config.upscaling_speed = 2;
  for (int i = 0; i < 9; i++) {
    input.nodes.push_back(Worker("r" + std::to_string(i), "cpu8", InstanceState::kRunning, {{"CPU", 8}}, {{"CPU", 0}}));
  }
  EXPECT_EQ(Decide(config, input).launch, (Launches{{"cpu8", 17}}));
}

TEST(ScalingPolicyTest, StrictSpreadUsesDistinctNodesCountingFreeOnes) {
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("w1", "cpu8", InstanceState::kRunning, {{"CPU", 8}}, {{"CPU", 8}}));
  input.gangs.push_back({"pg1", {{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}}, GangStrategy::kStrictSpread});
  ScalingDecision d = Decide(ThreeTypes(), input);
  // w1 has room for all three, but holds only one: two new nodes.
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 2}})) << AllReasons(d);
  EXPECT_TRUE(
      AnyReason(d, "placement group pg1 (STRICT_SPREAD, 3 bundles): 1 bundles on free capacity, launch 2 x cpu2"))
      << AllReasons(d);

  input.nodes.push_back(Worker("w2", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 1}}));
  input.nodes.push_back(Worker("w3", "cpu2", InstanceState::kRequested, {{"CPU", 2}}, {{"CPU", 2}}));
  EXPECT_THAT(Decide(ThreeTypes(), input).launch, IsEmpty());

  // More bundles than the cluster may ever have nodes.
  AutoscalerConfig config = ThreeTypes();
  config.max_workers = 2;
  input = BusyHead();
  input.gangs.push_back({"pg2", std::vector<Resources>(4, {{"CPU", 1}}), GangStrategy::kStrictSpread});
  d = Decide(config, input);
  EXPECT_THAT(d.launch, IsEmpty());
  ASSERT_EQ(d.infeasible.size(), 1u);
  EXPECT_THAT(d.infeasible[0].reason, HasSubstr("needs 4 distinct nodes; the cluster may have at most 3"));
}

TEST(ScalingPolicyTest, StrictPackPutsEveryBundleOnOneNode) {
  ScalingInput input = BusyHead();
  input.gangs.push_back({"pg1", {{{"CPU", 2}}, {{"CPU", 2}}, {{"CPU", 2}}}, GangStrategy::kStrictPack});
  ScalingDecision d = Decide(ThreeTypes(), input);
  EXPECT_EQ(d.launch, (Launches{{"cpu8", 1}})) << AllReasons(d);

  // A free node holding the sum takes it.
  input.nodes.push_back(Worker("w1", "cpu8", InstanceState::kRunning, {{"CPU", 8}}, {{"CPU", 6}}));
  EXPECT_THAT(Decide(ThreeTypes(), input).launch, IsEmpty());

  // No type holds 6 CPUs: infeasible, even though each bundle alone fits a cpu2.
  const AutoscalerConfig small = Config("node_types:\n  cpu2: {resources: {CPU: 2}}\n");
  input = BusyHead();
  input.gangs.push_back({"pg1", {{{"CPU", 2}}, {{"CPU", 2}}, {{"CPU", 2}}}, GangStrategy::kStrictPack});
  d = Decide(small, input);
  EXPECT_THAT(d.launch, IsEmpty());
  ASSERT_EQ(d.infeasible.size(), 1u);
  EXPECT_EQ(d.infeasible[0].shape, (Resources{{"CPU", 6}}));
  EXPECT_THAT(d.infeasible[0].reason, HasSubstr("no node type has 6 CPU (largest: cpu2 with 2)"));
  EXPECT_TRUE(AnyReason(d, "placement group pg1 (STRICT_PACK, 3 bundles): its bundles together {CPU: 6}"))
      << AllReasons(d);
}

TEST(ScalingPolicyTest, PackAndSpreadAreBestEffort) {
  const AutoscalerConfig small = Config("node_types:\n  cpu2: {resources: {CPU: 2}}\n");
  ScalingInput input = BusyHead();
  // PACK: the sum fits no type, so bundle by bundle, two per node.
  input.gangs.push_back({"pack", std::vector<Resources>(3, {{"CPU", 1}}), GangStrategy::kPack});
  EXPECT_EQ(Decide(small, input).launch, (Launches{{"cpu2", 2}}));
  // With a type holding the sum: one node.
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu8", 1}}));

  // SPREAD: distinct free nodes while there are some ...
  input = BusyHead();
  for (const char* id : {"a", "b", "c"}) {
    input.nodes.push_back(Worker(id, "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}));
  }
  input.gangs.push_back({"spread", std::vector<Resources>(3, {{"CPU", 1}}), GangStrategy::kSpread});
  EXPECT_THAT(Decide(small, input).launch, IsEmpty());
  // ... but no node is launched only to spread: bundles share a new node when they fit.
  input = BusyHead();
  input.gangs.push_back({"spread", std::vector<Resources>(4, {{"CPU", 1}}), GangStrategy::kSpread});
  EXPECT_EQ(Decide(small, input).launch, (Launches{{"cpu2", 2}}));
}

TEST(ScalingPolicyTest, GangsAreAllOrNothing) {
  AutoscalerConfig config = Config("max_workers: 2\nnode_types:\n  cpu2: {resources: {CPU: 2}}\n");
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("w1", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}));
  // Needs w1 and two new nodes, but only one more is allowed: nothing launched, w1 stays free.
  input.gangs.push_back({"pg1", std::vector<Resources>(3, {{"CPU", 2}}), GangStrategy::kStrictSpread});
  input.tasks.push_back({{{"CPU", 2}}, 1});
  ScalingDecision d = Decide(config, input);
  // The task took w1 first; the group then needs three new nodes and waits.
  EXPECT_THAT(d.launch, IsEmpty()) << AllReasons(d);
  EXPECT_TRUE(
      AnyReason(d, "pg1 (STRICT_SPREAD, 3 bundles): waits, no node for bundle {CPU: 2}: cluster at max_workers 2"))
      << AllReasons(d);

  // Without the task, w1 + one new node are still one short: rolled back, w1 left free for
  // the 1-CPU task that follows.
  input.tasks.clear();
  input.gangs.push_back({"pg2", {{{"CPU", 1}}}, GangStrategy::kPack});
  d = Decide(config, input);
  EXPECT_THAT(d.launch, IsEmpty()) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "pg2 (PACK, 1 bundles): 1 bundles on free capacity")) << AllReasons(d);
}

TEST(ScalingPolicyTest, GangBlockedOnlyByTheUpscalingCapLaunchesWhatItMay) {
  ScalingInput input = BusyHead();
  input.gangs.push_back({"big", std::vector<Resources>(8, {{"CPU", 8}}), GangStrategy::kStrictSpread});
  const ScalingDecision d = Decide(ThreeTypes(), input);
  // Five now (the cap); the rest once they run.
  EXPECT_EQ(d.launch, (Launches{{"cpu8", 5}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "launch 5 x cpu8 now, the rest later")) << AllReasons(d);
}

TEST(ScalingPolicyTest, RequestResourcesIsAFloorOnTotalCapacity) {
  ScalingInput input = BusyHead();  // 4 CPUs in total, none free
  input.nodes.push_back(Worker("w1", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 0}}));
  // 6 one-CPU bundles fit the 6 CPUs the cluster has, busy or not.
  input.constraints = std::vector<Resources>(6, {{"CPU", 1}});
  ScalingDecision d = Decide(ThreeTypes(), input);
  EXPECT_THAT(d.launch, IsEmpty()) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "request_resources: 6 of 6 bundles fit")) << AllReasons(d);

  // 8 do not: a cpu2 for the rest.
  input.constraints = std::vector<Resources>(8, {{"CPU", 1}});
  d = Decide(ThreeTypes(), input);
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 1}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "launch 1 x cpu2 (least waste) for request_resources")) << AllReasons(d);

  // Not added to demand: nodes launched for tasks count toward the floor.
  input.tasks.push_back({{{"CPU", 2}}, 1});
  d = Decide(ThreeTypes(), input);
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 1}})) << AllReasons(d);

  // The bundles must fit whole, each on one node.
  input = BusyHead();
  input.constraints = {{{"CPU", 8}}};
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu8", 1}}));
}

TEST(ScalingPolicyTest, InfeasibleDemandIsReportedAndNeverLaunchedFor) {
  const AutoscalerConfig config = Config("node_types:\n  cpu2: {resources: {CPU: 2}}\n");
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("w1", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}));
  input.tasks.push_back({{{"CPU", 100}}, 5});
  input.tasks.push_back({{{"TPU", 1}}, 1});
  input.tasks.push_back({{{"CPU", 1}}, 4});
  const ScalingDecision d = Decide(config, input);
  // The 1-CPU tasks: 2 on w1's free CPUs, 2 on a new cpu2; the rest launch nothing and take
  // no capacity from them.
  EXPECT_EQ(d.launch, (Launches{{"cpu2", 1}})) << AllReasons(d);
  ASSERT_EQ(d.infeasible.size(), 2u);
  EXPECT_EQ(d.infeasible[0].shape, (Resources{{"CPU", 100}}));
  EXPECT_EQ(d.infeasible[0].count, 5);
  EXPECT_EQ(d.infeasible[0].reason, "no node type has 100 CPU (largest: cpu2 with 2)");
  EXPECT_EQ(d.infeasible[1].shape, (Resources{{"TPU", 1}}));
  EXPECT_EQ(d.infeasible[1].reason, "no node type has 1 TPU (none offers TPU)");
  EXPECT_TRUE(AnyReason(d, "infeasible, never launched for: 5 x {CPU: 100}: no node type has 100 CPU"))
      << AllReasons(d);
}

TEST(ScalingPolicyTest, DemandAnExistingNodeHoldsIsNotInfeasible) {
  const AutoscalerConfig config = Config("node_types:\n  cpu2: {resources: {CPU: 2}}\n");
  ScalingInput input;
  input.nodes.push_back(Head({{"CPU", 16}}, {{"CPU", 0}}));
  input.tasks.push_back({{{"CPU", 10}}, 1});
  const ScalingDecision d = Decide(config, input);
  EXPECT_THAT(d.infeasible, IsEmpty());
  EXPECT_THAT(d.launch, IsEmpty());
  EXPECT_TRUE(AnyReason(d, "wait: 1 pending tasks (1 x {CPU: 10}): no launchable node type holds it")) << AllReasons(d);
}

TEST(ScalingPolicyTest, DrainsIdleNodesAboveMinWorkersNeverTheHead) {
  AutoscalerConfig config = ThreeTypes();
  config.node_types[0].min_workers = 1;  // cpu2
  ScalingInput input;
  NodeView head = Head({{"CPU", 4}}, {{"CPU", 4}});
  head.idle_s = 1000;
  head.instance_id = "head";  // even with an id, never the head
  input.nodes.push_back(head);
  input.nodes.push_back(Worker("", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}, 500));  // not ours
  input.nodes.push_back(Worker("c1", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}, 100));
  input.nodes.push_back(Worker("c2", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}, 200));
  input.nodes.push_back(
      Worker("c3", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}, 30));  // not long enough
  input.nodes.push_back(Worker("e1", "cpu8", InstanceState::kRunning, {{"CPU", 8}}, {{"CPU", 8}}, 60));
  input.nodes.push_back(Worker("d1", "cpu8", InstanceState::kDraining, {{"CPU", 8}}, {{"CPU", 8}}, 900));
  input.nodes.push_back(Worker("l1", "cpu8", InstanceState::kAllocated, {{"CPU", 8}}, {{"CPU", 8}}, 900));
  const ScalingDecision d = Decide(config, input);
  // c2 (longest idle) and c1 may go: c3 keeps cpu2 at min_workers 1 regardless.
  EXPECT_THAT(d.drain, ElementsAre("c2", "c1", "e1")) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "drain c2 (cpu2, idle 200s): idle for idle_timeout_s 60 or longer")) << AllReasons(d);

  // Without c3, the last idle cpu2 stays for min_workers.
  input.nodes[4].state = InstanceState::kTerminated;
  const ScalingDecision kept = Decide(config, input);
  EXPECT_THAT(kept.drain, ElementsAre("c2", "e1")) << AllReasons(kept);
  EXPECT_TRUE(AnyReason(kept, "keep c1 (cpu2, idle 100s): min_workers 1 of cpu2")) << AllReasons(kept);
}

TEST(ScalingPolicyTest, KeepsIdleNodesThatPendingDemandOrRequestResourcesNeed) {
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("busy", "cpu8", InstanceState::kRunning, {{"CPU", 8}}, {{"CPU", 1}}));
  input.nodes.push_back(Worker("idle1", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}, 100));
  input.nodes.push_back(Worker("idle2", "cpu2", InstanceState::kRunning, {{"CPU", 2}}, {{"CPU", 2}}, 100));
  // Two tasks: one on busy's free CPU first, the other needs an idle node.
  input.tasks.push_back({{{"CPU", 1}}, 2});
  ScalingDecision d = Decide(ThreeTypes(), input);
  EXPECT_THAT(d.launch, IsEmpty());
  EXPECT_THAT(d.drain, ElementsAre("idle2")) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "keep idle1 (cpu2, idle 100s): pending demand fits on it")) << AllReasons(d);

  input.tasks.clear();
  input.constraints = std::vector<Resources>(7, {{"CPU", 2}});  // the head, busy and one idle node
  d = Decide(ThreeTypes(), input);
  EXPECT_THAT(d.launch, IsEmpty()) << AllReasons(d);
  EXPECT_THAT(d.drain, ElementsAre("idle2")) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "keep idle1 (cpu2, idle 100s): request_resources needs its capacity")) << AllReasons(d);
}

TEST(ScalingPolicyTest, DrainingAndGoneNodesHoldNoNewDemand) {
  ScalingInput input = BusyHead();
  input.nodes.push_back(Worker("d1", "cpu8", InstanceState::kDraining, {{"CPU", 8}}, {{"CPU", 8}}));
  input.nodes.push_back(Worker("t1", "cpu8", InstanceState::kTerminated, {{"CPU", 8}}, {{"CPU", 8}}));
  input.nodes.push_back(Worker("f1", "cpu8", InstanceState::kFailed, {{"CPU", 8}}, {{"CPU", 8}}));
  input.tasks.push_back({{{"CPU", 8}}, 1});
  EXPECT_EQ(Decide(ThreeTypes(), input).launch, (Launches{{"cpu8", 1}}));
}

TEST(ScalingPolicyTest, AggregatesIdenticalShapes) {
  ScalingInput input = BusyHead();
  for (int i = 0; i < 1000; i++) input.tasks.push_back({{{"CPU", 0.5}}, 1});
  input.tasks.push_back({{{"CPU", 0}}, 10});  // asks for nothing: needs no node
  const ScalingDecision d = Decide(ThreeTypes(), input);
  // 1,000 half-CPU tasks: 500 CPUs, so at most 5 cpu8 now (the upscaling cap).
  EXPECT_EQ(d.launch, (Launches{{"cpu8", 5}})) << AllReasons(d);
  EXPECT_TRUE(AnyReason(d, "wait: 920 pending tasks (920 x {CPU: 0.5})")) << AllReasons(d);
}

TEST(ScalingPolicyTest, InstanceStateNames) {
  EXPECT_STREQ(InstanceStateName(InstanceState::kRequested), "REQUESTED");
  EXPECT_STREQ(InstanceStateName(InstanceState::kDraining), "DRAINING");
  EXPECT_STREQ(InstanceStateName(InstanceState::kFailed), "FAILED");
}

}  // namespace
}  // namespace autoscaler
}  // namespace photon
