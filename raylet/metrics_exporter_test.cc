#include "raylet/metrics_exporter.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

rpc::GetNodeStatsReply Stats() {
  rpc::GetNodeStatsReply stats;
  (*stats.mutable_total()->mutable_amounts())["CPU"] = 8;
  (*stats.mutable_total()->mutable_amounts())["GPU"] = 1;
  (*stats.mutable_available()->mutable_amounts())["CPU"] = 5.5;
  (*stats.mutable_available()->mutable_amounts())["GPU"] = 1;
  rpc::StoreStats& store = *stats.mutable_object_store();
  store.set_capacity(1000);
  store.set_used_bytes(400);
  store.set_pinned_bytes(300);
  store.set_spilled_bytes(50);
  store.set_num_objects(7);
  store.set_num_spilled_objects(2);
  store.set_spilled_bytes_total(123);
  for (auto [kind, state] : {std::make_pair(rpc::WorkerStats::TASK, rpc::WorkerStats::IDLE),
                             std::make_pair(rpc::WorkerStats::TASK, rpc::WorkerStats::BUSY),
                             std::make_pair(rpc::WorkerStats::TASK, rpc::WorkerStats::BUSY),
                             std::make_pair(rpc::WorkerStats::ACTOR, rpc::WorkerStats::STARTING),
                             std::make_pair(rpc::WorkerStats::DRIVER, rpc::WorkerStats::BUSY)}) {
    rpc::WorkerStats& w = *stats.add_workers();
    w.set_kind(kind);
    w.set_state(state);
  }
  stats.set_num_queued_leases(6);
  stats.set_num_infeasible_leases(1);
  stats.set_num_leases_waiting_for_workers(2);
  rpc::NodeUsage& usage = *stats.mutable_usage();
  usage.set_cpu_percent(37.5);
  usage.set_cpu_count(16);
  usage.set_mem_total_bytes(64LL << 30);
  usage.set_mem_available_bytes(48LL << 30);
  usage.set_mem_used_bytes(16LL << 30);
  return stats;
}

MetricsExporter Exporter() { return MetricsExporter({"10.0.0.5", "session_2026-12-04_10-00-00_1", true}); }

using LabelSet = std::map<std::string, std::string>;

// The text's samples: (name, labels) -> value, label values unescaped.
std::map<std::pair<std::string, LabelSet>, double> Samples(const std::string& text) {
  std::map<std::pair<std::string, LabelSet>, double> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t brace = line.find('{');
    const size_t space = line.rfind(' ');
    LabelSet labels;
    size_t i = brace == std::string::npos ? space : brace + 1;
    while (brace != std::string::npos && line[i] != '}') {
      const size_t eq = line.find('=', i);
      std::string key = line.substr(i, eq - i), value;
      for (i = eq + 2; line[i] != '"'; i++) value += line[i] == '\\' ? line[++i] : line[i];
      labels[key] = value;
      i += line[i + 1] == ',' ? 2 : 1;
    }
    out[{line.substr(0, std::min(brace, space)), labels}] = std::stod(line.substr(space + 1));
  }
  return out;
}

const LabelSet kRaylet = {{"Component", "raylet"}, {"NodeAddress", "10.0.0.5"},
                          {"SessionName", "session_2026-12-04_10-00-00_1"}};

LabelSet Plus(LabelSet labels, const LabelSet& more) {
  labels.insert(more.begin(), more.end());
  return labels;
}

TEST(MetricsExporterTest, RaysNamesWithItsLabels) {
  const auto s = Samples(Exporter().Render(Stats()));
  const LabelSet node = {{"IsHeadNode", "True"}, {"NodeAddress", "10.0.0.5"},
                         {"SessionName", "session_2026-12-04_10-00-00_1"}, {"ip", "10.0.0.5"}};
  EXPECT_EQ(s.at({"ray_node_cpu_utilization", node}), 37.5);
  EXPECT_EQ(s.at({"ray_node_cpu_count", node}), 16);
  EXPECT_EQ(s.at({"ray_node_mem_used", node}), 16LL << 30);
  EXPECT_EQ(s.at({"ray_node_mem_available", node}), 48LL << 30);
  EXPECT_EQ(s.at({"ray_node_mem_total", node}), 64LL << 30);
  EXPECT_EQ(s.at({"ray_resources", Plus(kRaylet, {{"Name", "CPU"}, {"State", "USED"}})}), 2.5);
  EXPECT_EQ(s.at({"ray_resources", Plus(kRaylet, {{"Name", "CPU"}, {"State", "AVAILABLE"}})}), 5.5);
  EXPECT_EQ(s.at({"ray_resources", Plus(kRaylet, {{"Name", "GPU"}, {"State", "USED"}})}), 0);
  EXPECT_EQ(s.at({"ray_object_store_memory", Plus(kRaylet, {{"Location", "MMAP_SHM"}})}), 400);
  EXPECT_EQ(s.at({"ray_object_store_memory", Plus(kRaylet, {{"Location", "SPILLED"}})}), 50);
  EXPECT_EQ(s.at({"ray_object_store_used_memory", kRaylet}), 400);
  EXPECT_EQ(s.at({"ray_object_store_available_memory", kRaylet}), 600);
  EXPECT_EQ(s.at({"ray_object_store_num_local_objects", kRaylet}), 7);
  EXPECT_EQ(s.at({"ray_spill_manager_objects", Plus(kRaylet, {{"Type", "Spilled"}})}), 2);
  EXPECT_EQ(s.at({"photon_object_store_spilled_bytes_total", kRaylet}), 123);
  EXPECT_EQ(s.at({"ray_scheduler_unscheduleable_tasks", Plus(kRaylet, {{"Reason", "Infeasible"}})}), 1);
  EXPECT_EQ(s.at({"ray_scheduler_unscheduleable_tasks", Plus(kRaylet, {{"Reason", "WaitingForResources"}})}), 3);
  EXPECT_EQ(s.at({"ray_scheduler_unscheduleable_tasks", Plus(kRaylet, {{"Reason", "WaitingForWorkers"}})}), 2);
  EXPECT_EQ(s.at({"photon_lease_requests_queued", kRaylet}), 6);
}

TEST(MetricsExporterTest, WorkersByKindAndStateZerosIncluded) {
  const auto s = Samples(Exporter().Render(Stats()));
  const auto workers = [&](const std::string& kind, const std::string& state) {
    return s.at({"photon_workers", Plus(kRaylet, {{"Kind", kind}, {"State", state}})});
  };
  EXPECT_EQ(workers("TASK", "IDLE"), 1);
  EXPECT_EQ(workers("TASK", "BUSY"), 2);
  EXPECT_EQ(workers("ACTOR", "STARTING"), 1);
  EXPECT_EQ(workers("DRIVER", "BUSY"), 1);
  EXPECT_EQ(workers("ACTOR", "IDLE"), 0);
  int series = 0;
  for (const auto& [key, value] : s) series += key.first == "photon_workers";
  EXPECT_EQ(series, 9) << "every kind and state, so series do not come and go";
}

// The exposition format: each family's HELP and TYPE lines come once, before
// its samples; every sample line is `name{label="value",...} number`.
TEST(MetricsExporterTest, TheTextIsWellFormed) {
  rpc::GetNodeStatsReply stats = Stats();
  (*stats.mutable_total()->mutable_amounts())["odd \"name\"\\"] = 1;
  const std::string text = MetricsExporter({"10.0.0.5", "", false}).Render(stats);
  const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)");
  const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter))");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",)*[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"\} -?[0-9.e+]+)");
  std::set<std::string> families;
  std::string current;
  std::istringstream lines(text);
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, m, help)) {
      EXPECT_TRUE(families.insert(m[1]).second) << "HELP twice for " << m[1];
      current = m[1];
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1], current) << line;
    } else {
      ASSERT_TRUE(std::regex_match(line, m, sample)) << "not a sample line: " << line;
      EXPECT_EQ(m[1], current) << "a sample outside its family: " << line;
    }
  }
  EXPECT_NE(text.find(R"(Name="odd \"name\"\\")"), std::string::npos) << "label values are escaped";
  const LabelSet odd = {{"Component", "raylet"}, {"Name", "odd \"name\"\\"}, {"NodeAddress", "10.0.0.5"},
                        {"SessionName", ""}, {"State", "USED"}};
  EXPECT_EQ(Samples(text).count({"ray_resources", odd}), 1u);
  EXPECT_NE(text.find(R"(IsHeadNode="False")"), std::string::npos);
  EXPECT_GE(families.size(), 18u);
}

}  // namespace
}  // namespace raylet
}  // namespace photon
