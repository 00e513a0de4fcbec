#include "autoscaler/scaling_policy.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "autoscaler/internal/capacity_pool.h"
#include "autoscaler/internal/gang_packer.h"
#include "autoscaler/internal/launch_plan.h"
#include "scheduler/resource_request.h"

namespace photon {
namespace autoscaler {
namespace {

using autoscaler_internal::CapacityPool;
using autoscaler_internal::GangOutcome;
using autoscaler_internal::LaunchLimits;
using autoscaler_internal::LaunchPlan;
using scheduler::FixedPoint;
using scheduler::ResourceNames;
using scheduler::ResourceRequest;

using ShapeCounts = std::vector<std::pair<ResourceRequest, int64_t>>;

struct ShapeHash {
  size_t operator()(const ResourceRequest& shape) const {
    size_t h = 0;
    for (const auto& [id, amount] : shape.items()) {
      h = h * 1000003u ^ (static_cast<size_t>(id) * 0x9e3779b97f4a7c15u + static_cast<size_t>(amount.units()));
    }
    return h;
  }
};

// Identical shapes summed, in order of first appearance. Shapes asking for
// nothing are dropped: they need no capacity.
class ShapeCounter {
 public:
  void Add(const Resources& resources, int64_t count, ResourceNames& names) {
    if (count <= 0) return;
    ResourceRequest shape = ResourceRequest::FromMap(resources, names);
    if (shape.empty()) return;
    auto [it, inserted] = index_.emplace(std::move(shape), shapes_.size());
    if (inserted) shapes_.emplace_back(it->first, 0);
    shapes_[it->second].second += count;
  }
  ShapeCounts Take() { return std::move(shapes_); }

 private:
  absl::flat_hash_map<ResourceRequest, size_t, ShapeHash> index_;
  ShapeCounts shapes_;
};

// The pending demand with every resource name interned.
struct Demand {
  ShapeCounts tasks;
  std::vector<std::vector<ResourceRequest>> gangs;  // bundles, in input order
  ShapeCounts constraints;
};

Demand ReadDemand(const ScalingInput& input, ResourceNames& names) {
  Demand demand;
  ShapeCounter tasks;
  for (const DemandShape& task : input.tasks) tasks.Add(task.shape, task.count, names);
  demand.tasks = tasks.Take();
  for (const GangDemand& gang : input.gangs) {
    std::vector<ResourceRequest> bundles;
    for (const Resources& bundle : gang.bundles) bundles.push_back(ResourceRequest::FromMap(bundle, names));
    demand.gangs.push_back(std::move(bundles));
  }
  ShapeCounter constraints;
  for (const Resources& bundle : input.constraints) constraints.Add(bundle, 1, names);
  demand.constraints = constraints.Take();
  return demand;
}

const char* StrategyName(GangStrategy strategy) {
  switch (strategy) {
    case GangStrategy::kPack:
      return "PACK";
    case GangStrategy::kSpread:
      return "SPREAD";
    case GangStrategy::kStrictPack:
      return "STRICT_PACK";
    case GangStrategy::kStrictSpread:
      return "STRICT_SPREAD";
  }
  return "?";
}

// Why each new node is launched, per purpose and type, for `reasons`.
struct LaunchNote {
  int64_t nodes = 0;
  std::vector<std::string> examples;  // "6 x {CPU: 1}", the first few shapes served
  int64_t more = 0;                   // shapes beyond `examples`
};

// One Decide() call. Runs its phases in order: min_workers, tasks, gangs,
// request_resources constraints, drains.
class Decider {
 public:
  Decider(const AutoscalerConfig& config, const ScalingInput& input, ResourceNames& names, Demand demand)
      : config_(config),
        input_(input),
        names_(names),
        demand_(std::move(demand)),
        num_resources_(names.size()),
        running_(num_resources_),
        launching_(num_resources_),
        opened_(num_resources_),
        existing_totals_(num_resources_) {}

  ScalingDecision Run() {
    const std::vector<int64_t> floor = Floor();
    for (CapacityPool* pool : {&running_, &launching_, &opened_, &existing_totals_}) pool->SetFloor(floor);
    ReadNodes();
    LaunchMinWorkers();
    PackTasks();
    PackGangs();
    PackConstraints();
    decision_.launch = plan_->Result();
    SelectDrains();
    return std::move(decision_);
  }

 private:
  enum Purpose { kTasks, kConstraints, kNumPurposes };  // gangs report their launches themselves

  int TypeIndex(const std::string& name) const {
    const NodeTypeConfig* type = config_.FindType(name);
    return type == nullptr ? -1 : static_cast<int>(type - config_.node_types.data());
  }

  std::vector<int64_t> Dense(const Resources& resources) const {
    std::vector<int64_t> dense(num_resources_, 0);
    for (const auto& [name, amount] : resources) {
      const int id = names_.Find(name);
      if (id >= 0 && id < num_resources_) dense[id] = FixedPoint::FromDouble(amount).units();
    }
    return dense;
  }

  bool IsWorker(const NodeView& node) const { return !node.is_head && !node.instance_id.empty(); }

  bool MayDrain(const NodeView& node) const {
    return node.state == InstanceState::kRunning && IsWorker(node) && node.idle_s >= config_.idle_timeout_s;
  }

  // Per resource, the least any demand shape asks when every shape asks
  // for it (else 0): less free than that and a node can take nothing.
  std::vector<int64_t> Floor() const;
  void ReadNodes();
  void LaunchMinWorkers();
  void PackTasks();
  void PackGangs();
  void PackConstraints();
  void SelectDrains();

  // Opens new nodes into `pool` for `count` x `shape`, each of the type
  // wasting least, and packs the shapes onto them; returns how many found
  // no room (`why` says why).
  int64_t Launch(const ResourceRequest& shape, int64_t count, CapacityPool& pool, Purpose purpose, std::string* why);
  void AddLaunchReasons(Purpose purpose, const std::string& what);

  // "" when some launchable type or existing node can hold `shape`;
  // otherwise why none can ("no node type has 100 CPU (largest: cpu2 with 2)").
  std::string InfeasibleReason(const ResourceRequest& shape) const;
  void AddInfeasible(const ResourceRequest& shape, int64_t count, const std::string& what, const std::string& why);

  // Larger first (GPU shapes before the rest), for first-fit decreasing.
  void SortLargestFirst(ShapeCounts& shapes) const;
  double Size(const ResourceRequest& shape) const;

  std::string Describe(const ResourceRequest& shape) const { return shape.DebugString(names_); }
  Resources ToResources(const ResourceRequest& shape) const {
    Resources resources;
    for (const auto& [id, amount] : shape.items()) resources[names_.Name(id)] = amount.ToDouble();
    return resources;
  }

  const AutoscalerConfig& config_;
  const ScalingInput& input_;
  ResourceNames& names_;
  const Demand demand_;
  const int num_resources_;

  CapacityPool running_;          // free capacity of running nodes
  CapacityPool launching_;        // of nodes requested or allocated
  CapacityPool opened_;           // of nodes this decision launches
  CapacityPool existing_totals_;  // totals of running and launching nodes
  std::unique_ptr<LaunchPlan> plan_;

  std::vector<double> scale_;                    // per resource: the largest amount a node has, for Size()
  std::vector<int64_t> alive_by_type_;           // workers requested, allocated or running
  int64_t non_workers_ = 0;                      // running or launching nodes not launched by the autoscaler
  std::vector<bool> needed_by_demand_;           // per input node
  std::vector<bool> needed_by_constraints_;      // per input node
  std::vector<LaunchNote> notes_[kNumPurposes];  // [purpose][type]
  ScalingDecision decision_;
};

std::vector<int64_t> Decider::Floor() const {
  std::vector<int64_t> floor(num_resources_, -1);  // -1: no shape seen yet
  const auto see = [&](const ResourceRequest& shape) {
    for (int r = 0; r < num_resources_; r++) {
      const int64_t amount = shape.Get(r).units();
      floor[r] = floor[r] < 0 ? amount : std::min(floor[r], amount);
    }
  };
  for (const auto& [shape, count] : demand_.tasks) see(shape);
  for (const auto& bundles : demand_.gangs) {
    for (const ResourceRequest& bundle : bundles) see(bundle);
  }
  for (const auto& [shape, count] : demand_.constraints) see(shape);
  for (int64_t& amount : floor) amount = std::max<int64_t>(amount, 0);
  return floor;
}

void Decider::ReadNodes() {
  const int types = static_cast<int>(config_.node_types.size());
  LaunchLimits limits;
  limits.workers_by_type.assign(types, 0);
  alive_by_type_.assign(types, 0);
  scale_.assign(num_resources_, 0);
  int64_t running = 0, in_flight = 0;

  // Nodes that may be drained go last, so packing prefers the others and
  // leaves an idle node idle when it can.
  std::vector<int> order(input_.nodes.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = static_cast<int>(i);
  std::stable_partition(order.begin(), order.end(), [&](int i) { return !MayDrain(input_.nodes[i]); });

  for (int i : order) {
    const NodeView& node = input_.nodes[i];
    const int type = TypeIndex(node.node_type);
    const bool worker = IsWorker(node);
    const bool launching = node.state == InstanceState::kRequested || node.state == InstanceState::kAllocated;
    if (node.state == InstanceState::kTerminated || node.state == InstanceState::kFailed) continue;
    if (worker) {
      limits.workers++;
      if (type >= 0) limits.workers_by_type[type]++;
    }
    if (node.state == InstanceState::kDraining) continue;  // leaving: holds no new demand
    if (worker && type >= 0) alive_by_type_[type]++;
    if (!worker) non_workers_++;
    const std::vector<int64_t> total = Dense(node.total);
    for (int r = 0; r < num_resources_; r++) scale_[r] = std::max(scale_[r], static_cast<double>(total[r]));
    existing_totals_.Add(type, i, 1, total.data());
    if (launching) {
      in_flight++;
      launching_.Add(type, i, 1, Dense(node.available).data());
    } else {
      running++;
      running_.Add(type, i, 1, Dense(node.available).data());
    }
  }

  const int64_t cap = std::max<int64_t>(5, static_cast<int64_t>(std::floor(config_.upscaling_speed * running)));
  limits.cap_left = std::max<int64_t>(0, cap - in_flight);
  limits.cap_text = absl::StrCat("at most ", cap, " launches in flight = max(5, ", config_.upscaling_speed, " x ",
                                 running, " running); ", in_flight, " already");
  plan_ = std::make_unique<LaunchPlan>(config_, names_, std::move(limits));
  for (int t = 0; t < types; t++) {
    for (int r = 0; r < num_resources_; r++) scale_[r] = std::max(scale_[r], static_cast<double>(plan_->total(t)[r]));
  }
  needed_by_demand_.assign(input_.nodes.size(), false);
  needed_by_constraints_.assign(input_.nodes.size(), false);
  for (std::vector<LaunchNote>& notes : notes_) notes.resize(types);
}

void Decider::LaunchMinWorkers() {
  for (int t = 0; t < plan_->num_types(); t++) {
    const NodeTypeConfig& type = config_.node_types[t];
    const int64_t missing = type.min_workers - alive_by_type_[t];
    if (missing <= 0) continue;
    const int64_t nodes = std::min(missing, plan_->Room(t));
    if (nodes > 0) {
      plan_->Launch(t, nodes);
      opened_.Add(t, -1, nodes, plan_->total(t));
      decision_.reasons.push_back(absl::StrCat("launch ", nodes, " x ", type.name, ": min_workers ", type.min_workers,
                                               " (", alive_by_type_[t], " running or launching)"));
    }
    if (nodes < missing) {
      decision_.reasons.push_back(
          absl::StrCat(type.name, " stays below min_workers ", type.min_workers, ": ", plan_->WhyNoRoom({t})));
    }
  }
}

int64_t Decider::Launch(const ResourceRequest& shape, int64_t count, CapacityPool& pool, Purpose purpose,
                        std::string* why) {
  const std::vector<int> eligible = plan_->Eligible(shape);
  int64_t left = count;
  while (left > 0) {
    const LaunchPlan::Choice choice = plan_->Choose(eligible, shape, left);
    if (choice.type < 0) {
      *why = plan_->WhyNoRoom(eligible);
      break;
    }
    // Full nodes of the chosen type at once; a partly filled last node is
    // chosen again on its own (a smaller type may suit the remainder).
    const int64_t nodes = std::max<int64_t>(1, std::min(left / choice.per_node, plan_->Room(choice.type)));
    plan_->Launch(choice.type, nodes);
    pool.Allocate(pool.Add(choice.type, -1, nodes, plan_->total(choice.type)), shape, choice.per_node);
    left -= nodes * choice.per_node;
    LaunchNote& note = notes_[purpose][choice.type];
    note.nodes += nodes;
    const std::string example = absl::StrCat(count, " x ", Describe(shape));
    if (!note.examples.empty() && note.examples.back() == example) continue;
    if (note.examples.size() < 3) {
      note.examples.push_back(example);
    } else {
      note.more++;
    }
  }
  return left;
}

void Decider::AddLaunchReasons(Purpose purpose, const std::string& what) {
  for (int t = 0; t < plan_->num_types(); t++) {
    const LaunchNote& note = notes_[purpose][t];
    if (note.nodes == 0) continue;
    std::string line =
        absl::StrCat("launch ", note.nodes, " x ", config_.node_types[t].name, " (least waste) for ", what, ": ");
    for (size_t i = 0; i < note.examples.size(); i++) absl::StrAppend(&line, i ? ", " : "", note.examples[i]);
    if (note.more > 0) absl::StrAppend(&line, " and ", note.more, " more shapes");
    decision_.reasons.push_back(std::move(line));
  }
}

void Decider::PackTasks() {
  ShapeCounts tasks = demand_.tasks;
  SortLargestFirst(tasks);
  int64_t on_running = 0, on_launching = 0, on_new = 0;
  // Waiting shapes grouped by why: tasks, shapes, first example.
  std::vector<std::pair<std::string, std::pair<int64_t, std::vector<std::string>>>> waiting;
  for (const auto& [shape, count] : tasks) {
    const std::string infeasible = InfeasibleReason(shape);
    if (!infeasible.empty()) {
      AddInfeasible(shape, count, absl::StrCat(count, " x ", Describe(shape)), infeasible);
      continue;
    }
    int64_t left = count;
    int64_t placed = running_.Place(shape, left);
    on_running += placed;
    left -= placed;
    placed = launching_.Place(shape, left);
    on_launching += placed;
    left -= placed;
    placed = opened_.Place(shape, left);
    on_new += placed;
    left -= placed;
    std::string why;
    if (left > 0) left = Launch(shape, left, opened_, kTasks, &why);
    if (left == 0) continue;
    auto it = std::find_if(waiting.begin(), waiting.end(), [&](const auto& w) { return w.first == why; });
    if (it == waiting.end()) it = waiting.insert(waiting.end(), {why, {0, {}}});
    it->second.first += left;
    if (it->second.second.size() < 3) it->second.second.push_back(absl::StrCat(left, " x ", Describe(shape)));
  }
  if (on_running + on_launching + on_new > 0) {
    decision_.reasons.push_back(absl::StrCat("pending tasks on free capacity: ", on_running, " on running nodes, ",
                                             on_launching, " on nodes launching, ", on_new,
                                             " on new nodes launched for min_workers or other shapes"));
  }
  AddLaunchReasons(kTasks, "pending tasks");
  for (const auto& [why, what] : waiting) {
    std::string line = absl::StrCat("wait: ", what.first, " pending tasks (");
    for (size_t i = 0; i < what.second.size(); i++) absl::StrAppend(&line, i ? ", " : "", what.second[i]);
    decision_.reasons.push_back(absl::StrCat(line, what.second.size() == 3 ? ", ..." : "", "): ", why));
  }
  for (int g = 0; g < running_.size(); g++) {
    if (running_.group(g).used && running_.group(g).node >= 0) needed_by_demand_[running_.group(g).node] = true;
  }
}

void Decider::PackGangs() {
  for (size_t i = 0; i < input_.gangs.size(); i++) {
    const GangDemand& gang = input_.gangs[i];
    const std::string what = absl::StrCat("placement group ", gang.id, " (", StrategyName(gang.strategy), ", ",
                                          gang.bundles.size(), " bundles)");
    const std::vector<ResourceRequest>& bundles = demand_.gangs[i];
    if (bundles.empty()) {
      decision_.reasons.push_back(what + ": no bundles, nothing to place");
      continue;
    }
    // Infeasible as a whole: some bundle, the sum (STRICT_PACK), or more
    // distinct nodes than the cluster may ever have (STRICT_SPREAD).
    bool infeasible = false;
    for (size_t b = 0; b < bundles.size() && !infeasible; b++) {
      const std::string why = InfeasibleReason(bundles[b]);
      if (why.empty()) continue;
      AddInfeasible(bundles[b], 1, absl::StrCat(what, ": bundle ", b, " ", Describe(bundles[b])), why);
      infeasible = true;
    }
    if (infeasible) continue;
    if (gang.strategy == GangStrategy::kStrictPack) {
      ResourceRequest sum;
      for (const ResourceRequest& bundle : bundles) {
        for (const auto& [id, amount] : bundle.items()) sum.Set(id, sum.Get(id) + amount);
      }
      const std::string why = InfeasibleReason(sum);
      if (!why.empty()) {
        AddInfeasible(sum, 1, absl::StrCat(what, ": its bundles together ", Describe(sum)), why);
        continue;
      }
    }
    const int64_t most_nodes = non_workers_ + config_.max_workers;
    if (gang.strategy == GangStrategy::kStrictSpread && static_cast<int64_t>(bundles.size()) > most_nodes) {
      AddInfeasible(
          bundles[0], static_cast<int64_t>(bundles.size()), what,
          absl::StrCat("needs ", bundles.size(), " distinct nodes; the cluster may have at most ", most_nodes,
                       " (max_workers ", config_.max_workers, " + ", non_workers_, " not launched by the autoscaler)"));
      continue;
    }

    std::vector<ResourceRequest> sorted = bundles;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [&](const ResourceRequest& a, const ResourceRequest& b) { return Size(a) > Size(b); });
    const GangOutcome outcome = PackGang(sorted, gang.strategy, {&running_, &launching_, &opened_}, *plan_);
    std::string launched;
    for (const auto& [type, nodes] : outcome.new_nodes) {
      absl::StrAppend(&launched, launched.empty() ? "" : ", ", nodes, " x ", config_.node_types[type].name);
    }
    if (outcome.placed) {
      decision_.reasons.push_back(absl::StrCat(what, ": ", outcome.on_free, " bundles on free capacity",
                                               launched.empty() ? "" : ", launch " + launched));
      continue;
    }
    const std::string missing = outcome.failed_bundle < 0
                                    ? std::string("no node for its bundles together")
                                    : "no node for bundle " + Describe(sorted[outcome.failed_bundle]);
    decision_.reasons.push_back(absl::StrCat(what, ": waits, ", missing, ": ", outcome.why,
                                             outcome.partial ? "; launch " + launched + " now, the rest later" : ""));
  }
  for (int g = 0; g < running_.size(); g++) {
    if (running_.group(g).used && running_.group(g).node >= 0) needed_by_demand_[running_.group(g).node] = true;
  }
}

void Decider::PackConstraints() {
  if (demand_.constraints.empty()) return;
  // A floor on the cluster's size: the bundles must fit the totals of every
  // node, busy or not, including the new ones decided above.
  CapacityPool totals = existing_totals_;
  for (int t = 0; t < plan_->num_types(); t++) {
    if (plan_->launched(t) > 0) totals.Add(t, -1, plan_->launched(t), plan_->total(t));
  }
  ShapeCounts bundles = demand_.constraints;
  SortLargestFirst(bundles);
  int64_t fit = 0, waiting = 0;
  std::string why_waiting;
  for (const auto& [shape, count] : bundles) {
    const std::string infeasible = InfeasibleReason(shape);
    if (!infeasible.empty()) {
      AddInfeasible(shape, count, absl::StrCat("request_resources: ", count, " x ", Describe(shape)), infeasible);
      continue;
    }
    const int64_t placed = totals.Place(shape, count);
    fit += placed;
    if (placed == count) continue;
    std::string why;
    const int64_t left = Launch(shape, count - placed, totals, kConstraints, &why);
    if (left > 0) {
      waiting += left;
      why_waiting = why;
    }
  }
  decision_.reasons.push_back(absl::StrCat("request_resources: ", fit, " of ", input_.constraints.size(),
                                           " bundles fit the cluster's total capacity (with launches above)"));
  AddLaunchReasons(kConstraints, "request_resources");
  if (waiting > 0) {
    decision_.reasons.push_back(absl::StrCat("request_resources: ", waiting, " bundles wait: ", why_waiting));
  }
  for (int g = 0; g < totals.size(); g++) {
    if (totals.group(g).used && totals.group(g).node >= 0) needed_by_constraints_[totals.group(g).node] = true;
  }
}

void Decider::SelectDrains() {
  std::vector<int> candidates;
  std::vector<int64_t> running_by_type(config_.node_types.size(), 0);
  for (size_t i = 0; i < input_.nodes.size(); i++) {
    const NodeView& node = input_.nodes[i];
    const int type = TypeIndex(node.node_type);
    if (node.state == InstanceState::kRunning && IsWorker(node) && type >= 0) running_by_type[type]++;
    if (MayDrain(node)) candidates.push_back(static_cast<int>(i));
  }
  // Longest idle first: those are the ones min_workers keeps last.
  std::sort(candidates.begin(), candidates.end(), [&](int a, int b) {
    const NodeView& x = input_.nodes[a];
    const NodeView& y = input_.nodes[b];
    return x.idle_s != y.idle_s ? x.idle_s > y.idle_s : x.instance_id < y.instance_id;
  });
  for (int i : candidates) {
    const NodeView& node = input_.nodes[i];
    const int type = TypeIndex(node.node_type);
    const std::string who = absl::StrCat(node.instance_id, " (", node.node_type.empty() ? "no type" : node.node_type,
                                         ", idle ", node.idle_s, "s)");
    if (needed_by_demand_[i]) {
      decision_.reasons.push_back(absl::StrCat("keep ", who, ": pending demand fits on it"));
    } else if (needed_by_constraints_[i]) {
      decision_.reasons.push_back(absl::StrCat("keep ", who, ": request_resources needs its capacity"));
    } else if (type >= 0 && running_by_type[type] <= config_.node_types[type].min_workers) {
      decision_.reasons.push_back(
          absl::StrCat("keep ", who, ": min_workers ", config_.node_types[type].min_workers, " of ", node.node_type));
    } else {
      if (type >= 0) running_by_type[type]--;
      decision_.drain.push_back(node.instance_id);
      decision_.reasons.push_back(
          absl::StrCat("drain ", who, ": idle for idle_timeout_s ", config_.idle_timeout_s, " or longer"));
    }
  }
}

std::string Decider::InfeasibleReason(const ResourceRequest& shape) const {
  bool any_type = false;
  for (int t = 0; t < plan_->num_types(); t++) {
    if (config_.node_types[t].max_workers <= 0 || config_.max_workers <= 0) continue;
    any_type = true;
    if (autoscaler_internal::FitCount(plan_->total(t), shape, 1) > 0) return "";
  }
  if (existing_totals_.MayFit(shape)) {
    for (int g = 0; g < existing_totals_.size(); g++) {
      if (existing_totals_.Fits(g, shape)) return "";
    }
  }
  if (!any_type)
    return absl::StrCat("no node holds ", Describe(shape), " and no node type may be launched (max_workers 0)");
  for (const auto& [id, amount] : shape.items()) {
    int best = -1;
    for (int t = 0; t < plan_->num_types(); t++) {
      if (config_.node_types[t].max_workers <= 0) continue;
      if (best < 0 || plan_->total(t)[id] > plan_->total(best)[id]) best = t;
    }
    const int64_t most = plan_->total(best)[id];
    if (most >= amount.units()) continue;
    const std::string name = names_.Name(id);
    if (most == 0) return absl::StrCat("no node type has ", amount.ToDouble(), " ", name, " (none offers ", name, ")");
    return absl::StrCat("no node type has ", amount.ToDouble(), " ", name, " (largest: ", config_.node_types[best].name,
                        " with ", FixedPoint::FromUnits(most).ToDouble(), ")");
  }
  return absl::StrCat("no node type has ", Describe(shape), " at once");
}

void Decider::AddInfeasible(const ResourceRequest& shape, int64_t count, const std::string& what,
                            const std::string& why) {
  decision_.infeasible.push_back(Infeasible{ToResources(shape), count, why});
  decision_.reasons.push_back(absl::StrCat("infeasible, never launched for: ", what, ": ", why));
}

double Decider::Size(const ResourceRequest& shape) const {
  double size = 0;
  for (const auto& [id, amount] : shape.items()) {
    // A resource no node has weighs as much as one whole unit of it.
    const double scale = scale_[id] > 0 ? scale_[id] : static_cast<double>(FixedPoint::kScale);
    size += static_cast<double>(amount.units()) / scale;
  }
  return size;
}

void Decider::SortLargestFirst(ShapeCounts& shapes) const {
  std::vector<std::pair<double, size_t>> keys;
  keys.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); i++) {
    const ResourceRequest& shape = shapes[i].first;
    const bool gpu = shape.Get(scheduler::kGpu).units() > 0;
    keys.emplace_back((gpu ? 1e9 : 0) + Size(shape), i);
  }
  std::stable_sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  ShapeCounts sorted;
  sorted.reserve(shapes.size());
  for (const auto& key : keys) sorted.push_back(std::move(shapes[key.second]));
  shapes = std::move(sorted);
}

}  // namespace

const char* InstanceStateName(InstanceState state) {
  switch (state) {
    case InstanceState::kRequested:
      return "REQUESTED";
    case InstanceState::kAllocated:
      return "ALLOCATED";
    case InstanceState::kRunning:
      return "RUNNING";
    case InstanceState::kDraining:
      return "DRAINING";
    case InstanceState::kTerminated:
      return "TERMINATED";
    case InstanceState::kFailed:
      return "FAILED";
  }
  return "UNKNOWN";
}

ScalingDecision Decide(const AutoscalerConfig& config, const ScalingInput& input) {
  // A private name table: ids stay dense (0..n-1 over what this call sees)
  // and no other caller's names make the arrays wider.
  ResourceNames names;
  for (const NodeTypeConfig& type : config.node_types) {
    for (const auto& [name, amount] : type.resources) names.Intern(name);
  }
  Demand demand = ReadDemand(input, names);
  return Decider(config, input, names, std::move(demand)).Run();
}

}  // namespace autoscaler
}  // namespace photon
