#include "raylet/node_usage_sampler.h"

#include <map>
#include <string>

#include "gtest/gtest.h"

namespace photon {
namespace raylet {
namespace {

// /proc as a map the test edits between samples.
class FakeProc {
 public:
  NodeUsageSampler::ReadFile Reader() {
    return [this](const std::string& path) -> absl::StatusOr<std::string> {
      auto it = files_.find(path);
      if (it == files_.end()) return absl::NotFoundError("cannot read " + path);
      return it->second;
    };
  }
  void SetStat(const std::string& aggregate) {
    files_["/proc/stat"] = "cpu  " + aggregate + "\ncpu0 1 2 3 4 5 6 7 8 0 0\ncpu1 1 2 3 4 5 6 7 8 0 0\nintr 12345 0\n";
  }
  void SetMeminfo(const std::string& text) { files_["/proc/meminfo"] = text; }
  void Remove(const std::string& path) { files_.erase(path); }

 private:
  std::map<std::string, std::string> files_;
};

constexpr char kMeminfo[] =
    "MemTotal:       16000000 kB\n"
    "MemFree:         2000000 kB\n"
    "MemAvailable:   12000000 kB\n"
    "Buffers:          100000 kB\n"
    "Cached:          5000000 kB\n"
    "HugePages_Total:       0\n";

TEST(NodeUsageSamplerTest, CpuIsTheBusyShareBetweenSamplesAndMemoryComesFromMeminfo) {
  FakeProc proc;
  int64_t now_ms = 1000;
  NodeUsageSampler sampler(proc.Reader(), [&] { return now_ms; });
  // user nice system idle iowait irq softirq steal guest guest_nice
  proc.SetStat("100 0 100 700 100 0 0 0 50 0");
  proc.SetMeminfo(kMeminfo);
  ASSERT_TRUE(sampler.Sample().ok());
  EXPECT_EQ(sampler.latest().cpu_percent(), 0) << "one sample says nothing about a rate";
  EXPECT_EQ(sampler.latest().cpu_count(), 2);
  EXPECT_EQ(sampler.latest().mem_total_bytes(), 16000000LL * 1024);
  EXPECT_EQ(sampler.latest().mem_available_bytes(), 12000000LL * 1024);
  EXPECT_EQ(sampler.latest().mem_used_bytes(), 4000000LL * 1024);
  EXPECT_EQ(sampler.latest().timestamp_ms(), 1000);

  // +300 busy (user, system, irq), +100 idle, +100 iowait; guest is in user already.
  proc.SetStat("250 0 200 800 200 50 0 0 90 0");
  now_ms = 2000;
  ASSERT_TRUE(sampler.Sample().ok());
  EXPECT_DOUBLE_EQ(sampler.latest().cpu_percent(), 60.0);
  EXPECT_EQ(sampler.latest().timestamp_ms(), 2000);

  // Counters that did not move keep the last figure.
  ASSERT_TRUE(sampler.Sample().ok());
  EXPECT_DOUBLE_EQ(sampler.latest().cpu_percent(), 60.0);
}

TEST(NodeUsageSamplerTest, OldKernelsWithoutMemAvailableCountFreeBuffersAndCache) {
  FakeProc proc;
  NodeUsageSampler sampler(proc.Reader(), [] { return int64_t{1}; });
  proc.SetStat("1 0 1 10 0 0 0 0");
  proc.SetMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n");
  ASSERT_TRUE(sampler.Sample().ok());
  EXPECT_EQ(sampler.latest().mem_available_bytes(), 400 * 1024);
  EXPECT_EQ(sampler.latest().mem_used_bytes(), 600 * 1024);
}

TEST(NodeUsageSamplerTest, ErrorsNameTheFileAndKeepThePreviousSample) {
  FakeProc proc;
  NodeUsageSampler sampler(proc.Reader(), [] { return int64_t{5}; });
  proc.SetStat("1 0 1 10 0 0 0 0");
  proc.SetMeminfo(kMeminfo);
  ASSERT_TRUE(sampler.Sample().ok());

  proc.Remove("/proc/meminfo");
  absl::Status missing = sampler.Sample();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_EQ(missing.message(), "cannot read /proc/meminfo");
  proc.SetMeminfo("nothing useful\n");
  EXPECT_EQ(sampler.Sample().message(), "/proc/meminfo has no MemTotal");
  proc.SetMeminfo(kMeminfo);
  proc.SetStat("x y");
  EXPECT_NE(sampler.Sample().message().find("/proc/stat: "), std::string::npos);
  EXPECT_EQ(sampler.latest().mem_total_bytes(), 16000000LL * 1024) << "the last good sample stays";
}

TEST(NodeUsageSamplerTest, ReadsThisMachine) {
  NodeUsageSampler sampler;
  ASSERT_TRUE(sampler.Sample().ok());
  EXPECT_GT(sampler.latest().cpu_count(), 0);
  EXPECT_GT(sampler.latest().mem_total_bytes(), 0);
  EXPECT_GT(sampler.latest().mem_used_bytes(), 0);
  EXPECT_LE(sampler.latest().mem_used_bytes(), sampler.latest().mem_total_bytes());
  ASSERT_TRUE(sampler.Sample().ok());
  EXPECT_GE(sampler.latest().cpu_percent(), 0);
  EXPECT_LE(sampler.latest().cpu_percent(), 100);
}

}  // namespace
}  // namespace raylet
}  // namespace photon
