#include "raylet/node_usage_sampler.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace photon {
namespace raylet {
namespace {

constexpr char kStat[] = "/proc/stat";
constexpr char kMeminfo[] = "/proc/meminfo";

struct CpuCounters {
  uint64_t busy = 0;
  uint64_t total = 0;
  int cpus = 0;
};

// The aggregate "cpu" line: user nice system idle iowait irq softirq steal
// (guest time is inside user already); idle and iowait are not busy.
absl::StatusOr<CpuCounters> ParseStat(const std::string& text) {
  CpuCounters out;
  bool found = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, "cpu")) continue;
    if (line.size() > 3 && absl::ascii_isdigit(static_cast<unsigned char>(line[3]))) {
      out.cpus++;
      continue;
    }
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (fields.size() < 5) return absl::InvalidArgumentError(absl::StrCat(kStat, ": short cpu line '", line, "'"));
    uint64_t idle = 0;
    for (size_t i = 1; i < fields.size() && i <= 8; i++) {
      uint64_t v = 0;
      if (!absl::SimpleAtoi(fields[i], &v)) {
        return absl::InvalidArgumentError(absl::StrCat(kStat, ": bad counter '", fields[i], "'"));
      }
      out.total += v;
      if (i == 4 || i == 5) idle += v;
    }
    out.busy = out.total - idle;
    found = true;
  }
  if (!found) return absl::InvalidArgumentError(absl::StrCat(kStat, " has no aggregate cpu line"));
  return out;
}

// Fields of /proc/meminfo in bytes ("MemTotal: 16318412 kB").
std::map<std::string, int64_t> ParseMeminfo(const std::string& text) {
  std::map<std::string, int64_t> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> parts = absl::StrSplit(line, absl::ByAnyChar(": "), absl::SkipEmpty());
    int64_t v = 0;
    if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &v)) continue;
    out[std::string(parts[0])] = parts.size() > 2 && parts[2] == "kB" ? v * 1024 : v;
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> NodeUsageSampler::ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

int64_t NodeUsageSampler::SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

NodeUsageSampler::NodeUsageSampler(ReadFile read, Clock clock) : read_(std::move(read)), clock_(std::move(clock)) {}

absl::Status NodeUsageSampler::Sample() {
  absl::StatusOr<std::string> stat = read_(kStat);
  if (!stat.ok()) return stat.status();
  absl::StatusOr<CpuCounters> cpu = ParseStat(*stat);
  if (!cpu.ok()) return cpu.status();
  absl::StatusOr<std::string> meminfo_text = read_(kMeminfo);
  if (!meminfo_text.ok()) return meminfo_text.status();
  std::map<std::string, int64_t> meminfo = ParseMeminfo(*meminfo_text);
  if (meminfo.count("MemTotal") == 0) return absl::InvalidArgumentError(absl::StrCat(kMeminfo, " has no MemTotal"));
  const int64_t total = meminfo["MemTotal"];
  const int64_t available = meminfo.count("MemAvailable") > 0
                                ? meminfo["MemAvailable"]
                                : meminfo["MemFree"] + meminfo["Buffers"] + meminfo["Cached"];

  rpc::NodeUsage usage = latest_;
  // Counters that did not move (two samples within a tick) keep the last figure.
  if (last_total_ == 0) {
    usage.set_cpu_percent(0);
  } else if (cpu->total > last_total_ && cpu->busy >= last_busy_) {
    usage.set_cpu_percent(100.0 * static_cast<double>(cpu->busy - last_busy_) /
                          static_cast<double>(cpu->total - last_total_));
  }
  last_busy_ = cpu->busy;
  last_total_ = cpu->total;
  usage.set_cpu_count(cpu->cpus);
  usage.set_mem_total_bytes(total);
  usage.set_mem_available_bytes(available);
  usage.set_mem_used_bytes(std::max<int64_t>(0, total - available));
  usage.set_timestamp_ms(clock_());
  latest_ = std::move(usage);
  return absl::OkStatus();
}

}  // namespace raylet
}  // namespace photon
