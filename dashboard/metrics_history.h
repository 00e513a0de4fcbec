#pragma once

// MetricsHistory: the dashboard's own time series for its plots (CPU,
// memory, object store, tasks by state, queued demand over the last 30
// minutes), so a user sees history without running Prometheus and Grafana
// beside the cluster. A thread samples the ClusterView every `interval` and
// keeps `window` worth of samples (360 at the defaults, a few hundred
// bytes each); the first sample is taken at Start().
//
//   MetricsHistory history(view, {.interval = std::chrono::seconds(5)});
//   history.Start();
//   Json samples = history.ToJson();  // GET /api/cluster_metrics
//
// Thread-safe.

#include <chrono>
#include <deque>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "dashboard/cluster_view.h"
#include "dashboard/http_util.h"

namespace photon {
namespace dashboard {

class MetricsHistory {
 public:
  struct Options {
    std::chrono::milliseconds interval{5000};
    std::chrono::milliseconds window{30 * 60 * 1000};
  };
  MetricsHistory(ClusterView& view, Options options) : view_(view), options_(options) {}
  ~MetricsHistory();

  void Start();
  // {"interval_s", "window_s", "samples": [...oldest first]}.
  Json ToJson() const;

  // The sample a snapshot makes (exposed for tests).
  static Json SampleOf(const ClusterSnapshot& snapshot);

 private:
  void Loop();

  ClusterView& view_;
  const Options options_;
  mutable absl::Mutex mu_;
  std::deque<Json> samples_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace dashboard
}  // namespace photon
