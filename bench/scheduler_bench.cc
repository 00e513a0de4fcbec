// Scheduling decisions per second at 10, 1,000 and 10,000 nodes (target:
// >= 100,000/s at 1,000 nodes). Each decision schedules a 1-CPU request with
// HYBRID (or SPREAD) from a random local node and allocates it; an earlier
// allocation is freed each time so the load stays steady. "busy" clusters
// start with every node above the 0.5 packing threshold, the worst case for
// HYBRID (it must look at every node).
//
//   build/bin/scheduler_bench
// Prints figures; asserts nothing.

#include <deque>
#include <random>

#include "benchmark/benchmark.h"
#include "scheduler/scheduling_policy.h"

namespace photon {
namespace scheduler {
namespace {

void Run(benchmark::State& state, SchedulingStrategy strategy, bool busy) {
  const int nodes = static_cast<int>(state.range(0));
  ClusterResourceView view(ResourceNames::Global());
  std::mt19937 rng(1);
  for (int i = 0; i < nodes; i++) {
    std::map<std::string, double> total = {{"CPU", 16}, {"memory", 64e9}};
    std::map<std::string, double> available = total;
    available["CPU"] = busy ? 1 + rng() % 7 : rng() % 17;  // busy: 56-94% used
    view.UpdateNode(NodeID::FromRandom(), total, available);
  }
  SchedulingPolicy policy(view);
  ResourceRequest one = ResourceRequest::FromMap({{"CPU", 1}}, ResourceNames::Global());
  std::deque<int> placed;
  int64_t scheduled = 0;
  for (auto _ : state) {
    SchedulingResult r = policy.Schedule(one, strategy, static_cast<int>(rng() % nodes));
    if (r.status == SchedulingResult::kScheduled) {
      view.Allocate(r.node, one);
      placed.push_back(r.node);
      scheduled++;
    }
    if (!placed.empty() && (placed.size() > 64 || r.status != SchedulingResult::kScheduled)) {
      view.Free(placed.front(), one);
      placed.pop_front();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["scheduled_fraction"] = static_cast<double>(scheduled) / state.iterations();
}

void BM_HybridTypical(benchmark::State& state) { Run(state, SchedulingStrategy::Hybrid(), false); }
void BM_HybridBusy(benchmark::State& state) { Run(state, SchedulingStrategy::Hybrid(), true); }
void BM_Spread(benchmark::State& state) { Run(state, SchedulingStrategy::Spread(), false); }

BENCHMARK(BM_HybridTypical)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_HybridBusy)->Arg(10)->Arg(1000)->Arg(10000);
BENCHMARK(BM_Spread)->Arg(10)->Arg(1000)->Arg(10000);

}  // namespace
}  // namespace scheduler
}  // namespace photon

BENCHMARK_MAIN();
