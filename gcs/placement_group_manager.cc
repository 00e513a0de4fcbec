#include "gcs/placement_group_manager.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/rpc/addresses.h"
#include "scheduler/bundle_placement.h"
#include "scheduler/cluster_resource_view.h"
#include "core/common/wall_clock.h"

namespace photon {
namespace gcs {
namespace {

std::map<std::string, double> AsMap(const rpc::ResourceSet& set) { return {set.amounts().begin(), set.amounts().end()}; }

scheduler::PlacementStrategy StrategyOf(rpc::PlacementStrategy s) {
  switch (s) {
    case rpc::SPREAD_BUNDLES: return scheduler::PlacementStrategy::kSpread;
    case rpc::STRICT_PACK: return scheduler::PlacementStrategy::kStrictPack;
    case rpc::STRICT_SPREAD: return scheduler::PlacementStrategy::kStrictSpread;
    default: return scheduler::PlacementStrategy::kPack;
  }
}


// Hands a call's status (its reply is empty) to `done`.
template <typename Reply>
rpc::ReplyCallback<Reply> StatusOnly(std::function<void(const absl::Status&)> done) {
  return [done = std::move(done)](absl::StatusOr<Reply> reply) { done(reply.status()); };
}

}  // namespace

PlacementGroupManager::PlacementGroupManager(EventLoop& loop, std::string token, NodeManager& nodes,
                                             ResourceManager& resources, StoreClient& store)
    : loop_(loop),
      token_(std::move(token)),
      nodes_(nodes),
      resources_(resources),
      table_(store, kTable),
      raylets_(loop, token_) {}

constexpr char PlacementGroupManager::kTable[];
constexpr size_t PlacementGroupManager::kMaxRemovedGroups;

absl::Status PlacementGroupManager::Initialize() {
  absl::StatusOr<std::vector<std::pair<std::string, rpc::PlacementGroupTableData>>> rows = table_.LoadAll();
  if (!rows.ok()) return rows.status();
  std::vector<PlacementGroupID> to_place;
  std::vector<std::pair<int64_t, PlacementGroupID>> removed;  // (remove_time_ms, id)
  size_t created = 0;
  for (auto& [key, data] : *rows) {
    absl::StatusOr<PlacementGroupID> id = PlacementGroupID::FromBinary(data.placement_group_id());
    if (!id.ok() || key != data.placement_group_id()) {
      PHOTON_LOG(ERROR) << "placement group table: skipping a row whose key is not its group id";
      continue;
    }
    Group& group = groups_[*id];
    group.data = std::move(data);
    if (group.data.state() == rpc::PG_REMOVED) {
      removed.emplace_back(group.data.remove_time_ms(), *id);
      continue;
    }
    if (!group.data.name().empty()) named_[{group.data.namespace_(), group.data.name()}] = *id;
    bool lost = false;
    for (rpc::Bundle& b : *group.data.mutable_bundles()) {
      if (b.node_id().empty()) continue;
      absl::StatusOr<NodeID> node = NodeID::FromBinary(b.node_id());
      if (node.ok() && nodes_.IsAlive(*node)) continue;
      b.clear_node_id();  // its node died while the GCS was down
      lost = true;
    }
    if (lost) group.data.set_state(rpc::PG_RESCHEDULING);
    if (group.data.state() == rpc::PG_CREATED) {
      created++;
      continue;
    }
    group.recovering = true;
    to_place.push_back(*id);
  }
  std::sort(removed.begin(), removed.end());
  for (const auto& [removed_ms, id] : removed) removed_.push_back(id);
  ForgetOldRemoved();
  PHOTON_LOG(INFO) << "placement group table loaded: " << groups_.size() << " groups, " << created
                   << " placed, " << to_place.size() << " to place";
  loop_.Post("PlacementGroups.Recover", [this, to_place = std::move(to_place)] {
    for (const PlacementGroupID& id : to_place) Recover(id);
  });
  return absl::OkStatus();
}

void PlacementGroupManager::Recover(const PlacementGroupID& id) {
  auto it = groups_.find(id);
  if (it == groups_.end()) return;
  std::set<std::string> holding;  // nodes the table says hold bundles of it
  for (const rpc::Bundle& b : it->second.data.bundles()) {
    if (!b.node_id().empty()) holding.insert(b.node_id());
  }
  std::vector<NodeID> others;
  for (const rpc::GcsNodeInfo& n : nodes_.All()) {
    if (n.state() == rpc::GcsNodeInfo::ALIVE && holding.count(n.node_id()) == 0) {
      others.push_back(*NodeID::FromBinary(n.node_id()));
    }
  }
  auto waiting = std::make_shared<size_t>(others.size() + 1);
  auto one_done = [this, id, waiting] {
    if (--*waiting > 0) return;
    auto g = groups_.find(id);
    if (g == groups_.end()) return;
    g->second.recovering = false;
    Schedule(g->second);
  };
  for (const NodeID& node : others) CancelOn(node, id, one_done);
  one_done();
}

absl::Status PlacementGroupManager::Store(const rpc::PlacementGroupTableData& data) {
  return table_.Put(data.placement_group_id(), data);
}

void PlacementGroupManager::Save(const Group& group) {
  absl::Status saved = Store(group.data);
  if (!saved.ok()) {
    PHOTON_LOG(ERROR) << "placement group " << PlacementGroupID::FromBinary(group.data.placement_group_id())->ShortHex()
                      << ": a GCS restart would not see its latest state: " << saved;
  }
}

absl::Status PlacementGroupManager::Create(rpc::PlacementGroupTableData data) {
  absl::StatusOr<PlacementGroupID> id = PlacementGroupID::FromBinary(data.placement_group_id());
  if (!id.ok()) return absl::InvalidArgumentError(absl::StrCat("create placement group: ", id.status().message()));
  if (data.bundles_size() == 0) return absl::InvalidArgumentError("a placement group needs at least one bundle");
  for (int i = 0; i < data.bundles_size(); i++) {
    bool any = false;
    for (const auto& [name, amount] : data.bundles(i).resources().amounts()) {
      if (name.empty() || !(amount >= 0)) {
        return absl::InvalidArgumentError(absl::StrCat("bundle ", i, ": bad resource '", name, "': ", amount));
      }
      any = any || amount > 0;
    }
    if (!any) return absl::InvalidArgumentError(absl::StrCat("bundle ", i, " asks for no resources"));
  }
  if (groups_.contains(*id)) return absl::AlreadyExistsError("placement group " + id->Hex() + " already exists");
  const auto key = std::make_pair(data.namespace_(), data.name());
  if (!data.name().empty() && named_.count(key) > 0) {
    return absl::AlreadyExistsError(absl::StrCat("a placement group named '", data.name(),
                                                 "' already exists in namespace '", data.namespace_(), "'"));
  }
  for (int i = 0; i < data.bundles_size(); i++) {
    rpc::Bundle& b = *data.mutable_bundles(i);
    b.set_placement_group_id(id->Binary());
    b.set_bundle_index(i);
    b.clear_node_id();
  }
  data.set_state(rpc::PG_PENDING);
  data.set_create_time_ms(UnixMillis());
  data.clear_remove_time_ms();
  absl::Status stored = Store(data);
  if (!stored.ok()) {
    return absl::Status(stored.code(), absl::StrCat("create placement group ", id->Hex(), ": ", stored.message()));
  }
  if (!data.name().empty()) named_[key] = *id;
  Group& group = groups_[*id];
  group.data = std::move(data);
  Schedule(group);
  return absl::OkStatus();
}

absl::StatusOr<rpc::PlacementGroupTableData> PlacementGroupManager::Get(const PlacementGroupID& id) const {
  auto it = groups_.find(id);
  if (it == groups_.end()) return absl::NotFoundError("no placement group " + id.Hex());
  return it->second.data;
}

rpc::GetAllPlacementGroupReply PlacementGroupManager::GetAll(int limit) const {
  rpc::GetAllPlacementGroupReply reply;
  const auto room = [&reply, limit] { return limit <= 0 || reply.groups_size() < limit; };
  std::vector<const rpc::PlacementGroupTableData*> kept;
  for (const auto& [id, group] : groups_) {
    if (group.data.state() != rpc::PG_REMOVED) kept.push_back(&group.data);
  }
  std::sort(kept.begin(), kept.end(), [](const rpc::PlacementGroupTableData* a, const rpc::PlacementGroupTableData* b) {
    return a->placement_group_id() < b->placement_group_id();
  });
  for (auto it = removed_.rbegin(); it != removed_.rend(); ++it) kept.push_back(&groups_.at(*it).data);
  reply.set_total(static_cast<int64_t>(kept.size()));
  for (const rpc::PlacementGroupTableData* data : kept) {
    if (!room()) break;
    *reply.add_groups() = *data;
  }
  return reply;
}

void PlacementGroupManager::ForgetOldRemoved() {
  forget_posted_ = false;
  while (removed_.size() > kMaxRemovedGroups) {
    const PlacementGroupID oldest = removed_.front();
    removed_.pop_front();
    groups_.erase(oldest);
    absl::Status deleted = table_.Delete(oldest.Binary());
    if (!deleted.ok()) {
      PHOTON_LOG(WARNING) << "forgetting removed placement group " << oldest.ShortHex() << ": " << deleted;
    }
  }
}

absl::StatusOr<rpc::PlacementGroupTableData> PlacementGroupManager::GetNamed(const std::string& name,
                                                                             const std::string& ns) const {
  auto it = named_.find({ns, name});
  if (it == named_.end()) {
    return absl::NotFoundError(absl::StrCat("no placement group named '", name, "' in namespace '", ns, "'"));
  }
  return Get(it->second);
}

std::string PlacementGroupManager::RayletAddress(const NodeID& node) const {
  const rpc::GcsNodeInfo* n = nodes_.Find(node);
  return n == nullptr ? "" : rpc::RayletAddress(*n);
}

void PlacementGroupManager::Schedule(Group& group) {
  if (group.committing || group.recovering || group.data.state() == rpc::PG_REMOVED) return;
  const PlacementGroupID id = *PlacementGroupID::FromBinary(group.data.placement_group_id());
  // The view as the raylets last reported it.
  scheduler::ResourceNames& names = scheduler::ResourceNames::Global();
  scheduler::ClusterResourceView view(names);
  for (const rpc::ResourceUsage& u : resources_.All()) {
    absl::StatusOr<NodeID> node = NodeID::FromBinary(u.node_id());
    if (node.ok() && nodes_.IsAlive(*node)) view.UpdateNode(*node, AsMap(u.total()), AsMap(u.available()));
  }
  // Only bundles without a node are placed; for STRICT_SPREAD the nodes the
  // group already uses are out of bounds.
  std::vector<int> todo;
  std::vector<scheduler::ResourceRequest> requests;
  for (int i = 0; i < group.data.bundles_size(); i++) {
    const rpc::Bundle& b = group.data.bundles(i);
    if (!b.node_id().empty()) {
      if (group.data.strategy() == rpc::STRICT_SPREAD) view.MarkDead(*NodeID::FromBinary(b.node_id()));
      continue;
    }
    todo.push_back(i);
    requests.push_back(scheduler::ResourceRequest::FromMap(AsMap(b.resources()), names));
  }
  if (todo.empty()) return;
  scheduler::BundlePlacement placed = scheduler::PlaceBundles(view, requests, StrategyOf(group.data.strategy()));
  if (placed.status != scheduler::BundlePlacement::kPlaced) {
    if (group.data.pending_reason() != placed.reason) {
      PHOTON_LOG(INFO) << "placement group " << id.ShortHex() << " pending: " << placed.reason;
    }
    group.data.set_pending_reason(placed.reason);
    SchedulePendingSoon();
    return;
  }
  std::map<NodeID, std::vector<rpc::Bundle>> by_node;
  for (size_t k = 0; k < todo.size(); k++) {
    rpc::Bundle b = group.data.bundles(todo[k]);
    const NodeID node = view.NodeAt(placed.nodes[k]);
    b.set_node_id(node.Binary());
    by_node[node].push_back(std::move(b));
  }
  group.committing = true;
  Prepare(id, ++group.generation, std::move(by_node));
}

void PlacementGroupManager::SchedulePendingSoon() {
  if (retry_scheduled_) return;
  retry_scheduled_ = true;
  loop_.RunAfter("PlacementGroups.Retry", std::chrono::milliseconds(100), [this] {
    retry_scheduled_ = false;
    for (auto& [id, group] : groups_) {
      if (group.data.state() == rpc::PG_PENDING || group.data.state() == rpc::PG_RESCHEDULING) Schedule(group);
    }
  });
}

void PlacementGroupManager::OnNodeAlive() { SchedulePendingSoon(); }

void PlacementGroupManager::WhenReady(const PlacementGroupID& id, std::chrono::milliseconds timeout,
                                      std::function<void(absl::StatusOr<bool>)> done) {
  auto it = groups_.find(id);
  if (it == groups_.end()) return done(absl::NotFoundError("no placement group " + id.Hex()));
  Group& group = it->second;
  if (group.data.state() == rpc::PG_CREATED) return done(true);
  if (group.data.state() == rpc::PG_REMOVED) {
    return done(absl::FailedPreconditionError("placement group " + id.Hex() + " was removed"));
  }
  if (timeout.count() == 0) return done(false);
  const uint64_t waiter = next_waiter_++;
  group.waiters[waiter] = std::move(done);
  if (timeout.count() < 0) return;
  loop_.RunAfter("PlacementGroups.WaitTimeout", timeout, [this, id, waiter] {
    auto g = groups_.find(id);
    if (g == groups_.end()) return;
    auto w = g->second.waiters.find(waiter);
    if (w == g->second.waiters.end()) return;
    auto fn = std::move(w->second);
    g->second.waiters.erase(w);
    fn(false);
  });
}

void PlacementGroupManager::WhenBundlePlaced(const PlacementGroupID& id, int bundle_index,
                                             std::function<void(absl::StatusOr<NodeID>)> done) {
  WhenReady(id, std::chrono::milliseconds(-1),
            [this, id, bundle_index, done = std::move(done)](absl::StatusOr<bool> ready) {
              if (!ready.ok()) return done(ready.status());
              const rpc::PlacementGroupTableData& data = groups_.at(id).data;
              if (bundle_index >= data.bundles_size()) {
                return done(absl::InvalidArgumentError(absl::StrCat("placement group ", id.Hex(), " has ",
                                                                    data.bundles_size(), " bundles; there is no bundle ",
                                                                    bundle_index)));
              }
              const int index = bundle_index >= 0 ? bundle_index : next_any_bundle_++ % data.bundles_size();
              absl::StatusOr<NodeID> node = NodeID::FromBinary(data.bundles(index).node_id());
              if (!node.ok()) return done(absl::InternalError("placed bundle without a node"));
              done(*node);
            });
}

void PlacementGroupManager::Notify(Group& group, const absl::StatusOr<bool>& result) {
  auto waiters = std::move(group.waiters);
  group.waiters.clear();
  for (auto& [n, fn] : waiters) fn(result);
}

void PlacementGroupManager::Prepare(const PlacementGroupID& id, uint64_t generation,
                                    std::map<NodeID, std::vector<rpc::Bundle>> by_node) {
  struct Round {
    size_t waiting = 0;
    std::string failure;
  };
  auto round = std::make_shared<Round>();
  round->waiting = by_node.size();
  auto shared = std::make_shared<std::map<NodeID, std::vector<rpc::Bundle>>>(std::move(by_node));
  for (const auto& [node, bundles] : *shared) {
    rpc::PrepareBundlesRequest request;
    for (const rpc::Bundle& b : bundles) *request.add_bundles() = b;
    const bool one_node = shared->size() == 1;
    request.set_commit(one_node);  // one participant: one phase
    const std::string address = RayletAddress(node);
    auto on_done = [this, id, generation, round, shared, node, one_node](const absl::Status& status) {
      if (!status.ok() && round->failure.empty()) {
        round->failure = absl::StrCat("node ", node.ShortHex(), ": ", status.message());
      }
      if (--round->waiting > 0) return;
      auto it = groups_.find(id);
      if (it == groups_.end() || it->second.generation != generation || it->second.data.state() == rpc::PG_REMOVED) {
        for (const auto& [n, b] : *shared) CancelOn(n, id);
        return;
      }
      if (!round->failure.empty()) {
        // Abort: give back what was prepared and try again later.
        PHOTON_LOG(INFO) << "placement group " << id.ShortHex() << ": prepare failed (" << round->failure
                         << "); cancelling and retrying";
        for (const auto& [n, b] : *shared) CancelOn(n, id);
        it->second.committing = false;
        it->second.data.set_pending_reason("prepare failed: " + round->failure);
        SchedulePendingSoon();
        return;
      }
      if (one_node) return Committed(id, generation, *shared);
      Commit(id, generation, *shared);
    };
    if (address.empty()) {
      on_done(absl::UnavailableError("node is not alive"));
      continue;
    }
    raylets_.For(address).PrepareBundles(std::move(request), StatusOnly<rpc::PrepareBundlesReply>(on_done));
  }
}

void PlacementGroupManager::Commit(const PlacementGroupID& id, uint64_t generation,
                                   std::map<NodeID, std::vector<rpc::Bundle>> by_node) {
  auto waiting = std::make_shared<size_t>(by_node.size());
  auto shared = std::make_shared<std::map<NodeID, std::vector<rpc::Bundle>>>(std::move(by_node));
  for (const auto& [node, bundles] : *shared) {
    rpc::CommitBundlesRequest request;
    for (const rpc::Bundle& b : bundles) *request.add_bundles() = b;
    auto on_done = [this, id, generation, waiting, shared](const absl::Status& status) {
      if (!status.ok()) PHOTON_LOG(WARNING) << "placement group " << id.ShortHex() << ": commit: " << status.message();
      if (--*waiting > 0) return;
      Committed(id, generation, *shared);
    };
    const std::string address = RayletAddress(node);
    if (address.empty()) {
      on_done(absl::UnavailableError("node is not alive"));
      continue;
    }
    raylets_.For(address).CommitBundles(std::move(request), StatusOnly<rpc::CommitBundlesReply>(on_done));
  }
}

void PlacementGroupManager::Committed(const PlacementGroupID& id, uint64_t generation,
                                      const std::map<NodeID, std::vector<rpc::Bundle>>& by_node) {
  auto it = groups_.find(id);
  if (it == groups_.end() || it->second.generation != generation) {
    for (const auto& [n, b] : by_node) CancelOn(n, id);
    return;
  }
  Group& group = it->second;
  group.committing = false;
  if (group.data.state() == rpc::PG_REMOVED) {
    for (const auto& [n, b] : by_node) CancelOn(n, id);
    return;
  }
  for (const auto& [node, bundles] : by_node) {
    for (const rpc::Bundle& b : bundles) group.data.mutable_bundles(b.bundle_index())->set_node_id(node.Binary());
  }
  for (const rpc::Bundle& b : group.data.bundles()) {
    if (b.node_id().empty() || !nodes_.IsAlive(*NodeID::FromBinary(b.node_id()))) {
      // A node died during the commit: place what it took again.
      group.data.set_state(rpc::PG_RESCHEDULING);
      for (rpc::Bundle& lost : *group.data.mutable_bundles()) {
        if (!lost.node_id().empty() && !nodes_.IsAlive(*NodeID::FromBinary(lost.node_id()))) lost.clear_node_id();
      }
      Save(group);
      Schedule(group);
      return;
    }
  }
  group.data.set_state(rpc::PG_CREATED);
  group.data.clear_pending_reason();
  Save(group);
  Notify(group, true);
  PHOTON_LOG(INFO) << "placement group " << id.ShortHex() << " created (" << group.data.bundles_size() << " bundles)";
}

void PlacementGroupManager::CancelOn(const NodeID& node, const PlacementGroupID& id, std::function<void()> done) {
  const std::string address = RayletAddress(node);
  if (address.empty() || !nodes_.IsAlive(node)) {
    if (done) done();
    return;
  }
  rpc::CancelBundlesRequest request;
  request.set_placement_group_id(id.Binary());
  raylets_.For(address).CancelBundles(
      std::move(request), StatusOnly<rpc::CancelBundlesReply>([id, done](const absl::Status& status) {
        // NotFound: the node held nothing of the group (already given back).
        if (!status.ok() && !absl::IsNotFound(status)) {
          PHOTON_LOG(WARNING) << "placement group " << id.ShortHex() << ": cancel: " << status.message();
        }
        if (done) done();
      }));
}

absl::Status PlacementGroupManager::Remove(const PlacementGroupID& id) {
  auto it = groups_.find(id);
  if (it == groups_.end()) return absl::NotFoundError("remove: no placement group " + id.Hex());
  Group& group = it->second;
  if (group.data.state() == rpc::PG_REMOVED) return absl::OkStatus();
  rpc::PlacementGroupTableData removed = group.data;
  removed.set_state(rpc::PG_REMOVED);
  removed.set_remove_time_ms(UnixMillis());
  absl::Status stored = Store(removed);
  if (!stored.ok()) {
    return absl::Status(stored.code(), absl::StrCat("remove placement group ", id.Hex(), ": ", stored.message()));
  }
  group.data.set_state(rpc::PG_REMOVED);
  group.data.set_remove_time_ms(removed.remove_time_ms());
  removed_.push_back(id);
  if (removed_.size() > kMaxRemovedGroups && !forget_posted_) {
    forget_posted_ = true;
    loop_.Post("PlacementGroups.ForgetOldRemoved", [this] { ForgetOldRemoved(); });
  }
  Notify(group, absl::FailedPreconditionError("placement group " + id.Hex() + " was removed"));
  if (on_removed_) on_removed_(id);
  std::map<NodeID, bool> nodes;
  for (const rpc::Bundle& b : group.data.bundles()) {
    absl::StatusOr<NodeID> node = NodeID::FromBinary(b.node_id());
    if (node.ok()) nodes[*node] = true;
  }
  // (A 2PC still running cancels its own nodes when it ends.)
  auto waiting = std::make_shared<size_t>(nodes.size());
  auto cancelled = [this, id, waiting] {
    if (--*waiting == 0 && on_cancelled_) on_cancelled_(id);
  };
  if (nodes.empty() && on_cancelled_) on_cancelled_(id);
  for (const auto& [node, unused] : nodes) CancelOn(node, id, cancelled);
  if (!group.data.name().empty()) named_.erase({group.data.namespace_(), group.data.name()});
  PHOTON_LOG(INFO) << "placement group " << id.ShortHex() << " removed";
  return absl::OkStatus();
}

void PlacementGroupManager::OnNodeDead(const NodeID& node) {
  for (auto& [id, group] : groups_) {
    if (group.data.state() == rpc::PG_REMOVED) continue;
    bool lost = false;
    for (rpc::Bundle& b : *group.data.mutable_bundles()) {
      if (b.node_id() != node.Binary()) continue;
      b.clear_node_id();
      lost = true;
    }
    if (!lost) continue;
    PHOTON_LOG(INFO) << "placement group " << id.ShortHex() << " lost bundles with node " << node.ShortHex()
                     << "; placing them again";
    group.data.set_state(rpc::PG_RESCHEDULING);
    Save(group);
    // (A 2PC still running places them when it ends, see Commit.)
    Schedule(group);
  }
}

void PlacementGroupManager::OnJobFinished(const JobID& job) {
  std::vector<PlacementGroupID> ids;
  for (const auto& [id, group] : groups_) {
    if (!group.data.detached() && group.data.job_id() == job.Binary() && group.data.state() != rpc::PG_REMOVED) {
      ids.push_back(id);
    }
  }
  for (const PlacementGroupID& id : ids) {
    absl::Status removed = Remove(id);
    if (!removed.ok()) {
      PHOTON_LOG(ERROR) << "job " << job.Hex() << " finished, but its placement group stays: " << removed;
    }
  }
}

}  // namespace gcs
}  // namespace photon
