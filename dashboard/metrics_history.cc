#include "dashboard/metrics_history.h"

namespace photon {
namespace dashboard {

MetricsHistory::~MetricsHistory() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void MetricsHistory::Start() { thread_ = std::thread([this] { Loop(); }); }

Json MetricsHistory::SampleOf(const ClusterSnapshot& s) {
  int64_t memory_used = 0, memory_total = 0, store_used = 0, store_total = 0;
  for (const auto& [node, stats] : s.stats) {
    memory_used += stats.usage().mem_used_bytes();
    memory_total += stats.usage().mem_total_bytes();
  }
  for (const auto& [node, usage] : s.usage) {
    store_used += usage.object_store().used_bytes();
    store_total += usage.object_store().capacity();
  }
  Json tasks = Json::object();
  for (rpc::TaskState state : {rpc::SUBMITTED, rpc::SCHEDULED, rpc::RUNNING, rpc::FINISHED, rpc::FAILED}) {
    tasks[TaskStateName(state)] = s.tasks[state];
  }
  double cpu_total = s.ResourceTotal("CPU");
  return {{"t", s.time_ms},
          {"cpu_used", cpu_total - s.ResourceAvailable("CPU")},
          {"cpu_total", cpu_total},
          {"memory_used_bytes", memory_used},
          {"memory_total_bytes", memory_total},
          {"object_store_used_bytes", store_used},
          {"object_store_total_bytes", store_total},
          {"tasks", tasks},
          {"queued_demand", s.QueuedDemand()}};
}

void MetricsHistory::Loop() {
  const size_t keep = static_cast<size_t>(options_.window / options_.interval) + 1;
  do {
    absl::StatusOr<ClusterSnapshot> snapshot = view_.Collect();
    if (!snapshot.ok()) continue;  // the GCS is away: a gap in the plots
    Json sample = SampleOf(*snapshot);
    absl::MutexLock lock(&mu_);
    samples_.push_back(std::move(sample));
    while (samples_.size() > keep) samples_.pop_front();
  } while (!stop_.WaitForNotificationWithTimeout(absl::FromChrono(options_.interval)));
}

Json MetricsHistory::ToJson() const {
  absl::MutexLock lock(&mu_);
  return {{"interval_s", std::chrono::duration<double>(options_.interval).count()},
          {"window_s", std::chrono::duration<double>(options_.window).count()},
          {"samples", Json(std::vector<Json>(samples_.begin(), samples_.end()))}};
}

}  // namespace dashboard
}  // namespace photon
