#pragma once

// NodeUsageSampler: the machine's CPU utilisation and memory, for the
// raylet's node stats and its Prometheus metrics (ray_node_cpu_utilization,
// ray_node_mem_used, ...).
//
// Each Sample reads /proc/stat and /proc/meminfo. The CPU figure is the
// busy share of all CPUs between this sample and the one before (what
// psutil.cpu_percent(), which Ray uses, reports): the kernel's counters
// say how long the CPUs were busy and idle, so no clock is needed for it,
// and the first sample says 0. Memory "used" is total minus MemAvailable,
// as Ray and psutil count it (MemFree + Buffers + Cached on kernels without
// MemAvailable). The file reader and the clock are injected so a test can
// feed it counters.
//
//   NodeUsageSampler sampler;
//   loop.RunEvery("Raylet.SampleUsage", 1s, [&] { sampler.Sample().IgnoreError(); });
//   rpc::NodeUsage usage = sampler.latest();
//
// Thread-compatible: the raylet samples and reads it on its loop.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/raylet.pb.h"

namespace photon {
namespace raylet {

class NodeUsageSampler {
 public:
  // The whole content of the file at `path`, or why it cannot be read.
  using ReadFile = std::function<absl::StatusOr<std::string>(const std::string& path)>;
  // Unix time in milliseconds.
  using Clock = std::function<int64_t()>;

  static absl::StatusOr<std::string> ReadWholeFile(const std::string& path);
  static int64_t SystemNowMs();

  explicit NodeUsageSampler(ReadFile read = ReadWholeFile, Clock clock = SystemNowMs);

  // Takes a sample. On an error (a file missing or not as expected, which
  // names the file) latest() keeps the previous sample.
  absl::Status Sample();
  const rpc::NodeUsage& latest() const { return latest_; }

 private:
  ReadFile read_;
  Clock clock_;
  rpc::NodeUsage latest_;
  // The aggregate CPU counters of the previous sample (jiffies).
  uint64_t last_busy_ = 0;
  uint64_t last_total_ = 0;
};

}  // namespace raylet
}  // namespace photon
