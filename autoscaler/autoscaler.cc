#include "autoscaler/autoscaler.h"

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/rpc/addresses.h"
#include "gcs/autoscaler_state_service.h"

namespace photon {
namespace autoscaler {
namespace {

constexpr size_t kRecentDecisions = 20;

Resources Amounts(const rpc::ResourceSet& set) { return Resources(set.amounts().begin(), set.amounts().end()); }

GangStrategy StrategyOf(rpc::PlacementStrategy s) {
  switch (s) {
    case rpc::STRICT_PACK: return GangStrategy::kStrictPack;
    case rpc::STRICT_SPREAD: return GangStrategy::kStrictSpread;
    case rpc::SPREAD_BUNDLES: return GangStrategy::kSpread;
    default: return GangStrategy::kPack;
  }
}

std::string Label(const rpc::GcsNodeInfo& node, const char* key) {
  auto it = node.labels().find(key);
  return it == node.labels().end() ? "" : it->second;
}

bool InFlight(InstanceState s) { return s == InstanceState::kRequested || s == InstanceState::kAllocated; }

}  // namespace

void Autoscaler::Reconcile(const rpc::GetClusterStatusReply& status,
                           const std::map<std::string, ProviderInstance>& listed) {
  const int64_t now = d_.now_ms();
  std::map<std::string, const rpc::GcsNodeInfo*> alive_by_instance;
  for (const rpc::GcsNodeInfo& node : status.nodes()) {
    std::string id = Label(node, kInstanceIdLabel);
    if (!id.empty() && node.state() == rpc::GcsNodeInfo::ALIVE) alive_by_instance[id] = &node;
  }
  std::map<std::string, const rpc::ResourceUsage*> usage;
  for (const rpc::ResourceUsage& u : status.usages()) usage[u.node_id()] = &u;
  for (auto& [id, instance] : store_.instances()) {
    auto alive = alive_by_instance.find(id);
    auto provided = listed.find(id);
    if (InFlight(instance.state)) {
      if (alive != alive_by_instance.end()) {
        instance.node_id = absl::BytesToHexString(alive->second->node_id());
        store_.SetState(id, InstanceState::kRunning, now);
      } else if (provided == listed.end() || provided->second.state == InstanceState::kFailed) {
        // Recorded but not (or no longer) there: launch again, same id, or fail it.
        std::string why = provided == listed.end() ? "the provider has no such instance"
                                                   : provided->second.message;
        if (now - instance.launched_ms > d_.config.launch_timeout_s * 1000) {
          store_.SetState(id, InstanceState::kFailed, now, why);
          d_.provider->Terminate(id).IgnoreError();
        } else if (provided == listed.end()) {
          const NodeTypeConfig* type = d_.config.FindType(instance.node_type);
          if (type != nullptr) d_.provider->Launch(id, *type).IgnoreError();  // idempotent
        } else {
          store_.SetState(id, InstanceState::kFailed, now, why);
        }
      } else if (now - instance.launched_ms > d_.config.launch_timeout_s * 1000) {
        store_.SetState(id, InstanceState::kFailed, now,
                        absl::StrCat("not running after ", d_.config.launch_timeout_s, " s: ", provided->second.message));
        d_.provider->Terminate(id).IgnoreError();
      }
    } else if (instance.state == InstanceState::kRunning || instance.state == InstanceState::kDraining) {
      if (alive == alive_by_instance.end()) {
        store_.SetState(id, InstanceState::kTerminated, now, "its node is gone");
        d_.provider->Terminate(id).IgnoreError();
        continue;
      }
      const rpc::ResourceUsage* u = usage[alive->second->node_id()];
      if (instance.state == InstanceState::kDraining && u != nullptr) {
        if (u->draining() && u->idle_ms() > 0) {
          d_.provider->Terminate(id).IgnoreError();
          store_.SetState(id, InstanceState::kTerminated, now, "drained while idle");
          recent_.push_back(absl::StrCat("terminated ", id, " (drained)"));
        } else if (!u->draining()) {
          store_.SetState(id, InstanceState::kRunning, now, "work reached it while draining; kept");
          recent_.push_back(absl::StrCat("kept ", id, ": work reached it while draining"));
        }
      }
    }
  }
}

ScalingInput Autoscaler::InputOf(const rpc::GetClusterStatusReply& status) {
  ScalingInput input;
  std::map<std::string, const rpc::ResourceUsage*> usage;
  for (const rpc::ResourceUsage& u : status.usages()) usage[u.node_id()] = &u;
  std::map<std::string, const Instance*> by_node;
  for (const auto& [id, i] : store_.instances()) by_node[i.node_id] = &i;
  for (const rpc::GcsNodeInfo& node : status.nodes()) {
    if (node.state() != rpc::GcsNodeInfo::ALIVE) continue;
    NodeView view;
    view.instance_id = Label(node, kInstanceIdLabel);
    view.node_type = Label(node, kNodeTypeLabel);
    view.is_head = node.is_head();
    view.total = Amounts(node.resources_total());
    auto u = usage.find(node.node_id());
    view.available = u != usage.end() ? Amounts(u->second->available()) : view.total;
    view.idle_s = u != usage.end() ? u->second->idle_ms() / 1000.0 : 0;
    auto known = store_.instances().find(view.instance_id);
    if (known == store_.instances().end()) {
      view.instance_id = "";  // not one this autoscaler launched: never drained by it
    } else if (known->second.state == InstanceState::kDraining) {
      view.state = InstanceState::kDraining;
    }
    input.nodes.push_back(std::move(view));
    if (u != usage.end()) {
      for (const rpc::ResourceDemand& d : u->second->demand()) {
        input.tasks.push_back({Amounts(d.shape()), d.ready() + d.infeasible()});
      }
    }
  }
  for (const auto& [id, i] : store_.instances()) {
    if (!InFlight(i.state)) continue;
    const NodeTypeConfig* type = d_.config.FindType(i.node_type);
    if (type == nullptr) continue;
    NodeView launching;
    launching.instance_id = id;
    launching.node_type = i.node_type;
    launching.state = i.state;
    launching.total = launching.available = type->resources;
    input.nodes.push_back(std::move(launching));
  }
  for (const rpc::PendingGang& gang : status.pending_groups()) {
    GangDemand g;
    g.id = absl::BytesToHexString(gang.placement_group_id());
    g.strategy = StrategyOf(gang.strategy());
    for (const rpc::ResourceSet& b : gang.bundles()) g.bundles.push_back(Amounts(b));
    if (!g.bundles.empty()) input.gangs.push_back(std::move(g));
  }
  for (const rpc::ResourceSet& c : status.constraints()) input.constraints.push_back(Amounts(c));
  return input;
}

void Autoscaler::Launch(const ScalingDecision& decision) {
  const int64_t now = d_.now_ms();
  std::vector<std::string> ids;
  for (const auto& [type_name, count] : decision.launch) {
    for (int n = 0; n < count; n++) ids.push_back(store_.Add(type_name, now).id);
  }
  if (ids.empty()) return;
  // Recorded before the provider hears of them: a crash in between launches
  // the same ids again, never new ones.
  if (absl::Status s = store_.Save(); !s.ok()) {
    PHOTON_LOG(WARNING) << "autoscaler: cannot record launches, launching nothing: " << s;
    for (const std::string& id : ids) store_.instances().erase(id);
    return;
  }
  for (const std::string& id : ids) {
    Instance& i = store_.instances()[id];
    const NodeTypeConfig* type = d_.config.FindType(i.node_type);
    absl::Status s = d_.provider->Launch(id, *type);
    PHOTON_LOG(INFO) << "autoscaler: launching " << id << " (" << i.node_type << ")" << (s.ok() ? "" : ": ") << s;
    recent_.push_back(absl::StrCat("launch ", id, " (", i.node_type, ")", s.ok() ? "" : ": failed: ", s.message()));
    if (!s.ok()) store_.SetState(id, InstanceState::kFailed, now, std::string(s.message()));
  }
}

bool Autoscaler::AskToDrain(const std::string& address, std::string* why) {
  rpc::DrainNodeRequest request;
  request.set_drain(true);
  absl::StatusOr<rpc::DrainNodeReply> reply = raylets_.For(address).DrainNodeAndWait(std::move(request));
  if (!reply.ok()) {
    *why = std::string(reply.status().message());
    return false;
  }
  *why = reply->reason();
  return reply->accepted();
}

void Autoscaler::DrainOrTerminate(const rpc::GetClusterStatusReply& status, const ScalingDecision& decision) {
  const int64_t now = d_.now_ms();
  for (const std::string& id : decision.drain) {
    auto it = store_.instances().find(id);
    if (it == store_.instances().end() || it->second.state != InstanceState::kRunning) continue;
    for (const rpc::GcsNodeInfo& node : status.nodes()) {
      if (Label(node, kInstanceIdLabel) != id || node.state() != rpc::GcsNodeInfo::ALIVE) continue;
      std::string why;
      if (AskToDrain(rpc::RayletAddress(node), &why)) {
        store_.SetState(id, InstanceState::kDraining, now, "idle; draining");
        recent_.push_back(absl::StrCat("drain ", id, " (idle ", d_.config.idle_timeout_s, " s)"));
      } else {
        recent_.push_back(absl::StrCat("drain of ", id, " refused: ", why));
      }
    }
  }
}

absl::Status Autoscaler::Report(const ScalingDecision& decision) {
  while (recent_.size() > kRecentDecisions) recent_.pop_front();
  nlohmann::json instances = nlohmann::json::array();
  int in_flight = 0;
  for (const auto& [id, i] : store_.instances()) {
    if (InFlight(i.state)) in_flight++;
    instances.push_back({{"id", id}, {"node_type", i.node_type}, {"state", InstanceStateName(i.state)},
                         {"node_id", i.node_id}, {"message", i.message}});
  }
  nlohmann::json infeasible = nlohmann::json::array();
  for (const Infeasible& f : decision.infeasible) {
    infeasible.push_back({{"shape", f.shape}, {"count", f.count}, {"reason", f.reason}});
  }
  nlohmann::json types = nlohmann::json::array();
  for (const NodeTypeConfig& t : d_.config.node_types) {
    types.push_back({{"name", t.name}, {"resources", t.resources}, {"min_workers", t.min_workers},
                     {"max_workers", t.max_workers}});
  }
  nlohmann::json report = {{"time_ms", d_.now_ms()},
                           {"node_types", types},
                           {"instances", instances},
                           {"launches_in_flight", in_flight},
                           {"failed_launches", store_.failed_launches()},
                           {"recent_decisions", std::vector<std::string>(recent_.begin(), recent_.end())},
                           {"infeasible", infeasible}};
  return d_.gcs.KvPut(gcs::kAutoscalerNamespace, gcs::kReportKey, report.dump(), /*overwrite=*/true).status();
}

absl::Status Autoscaler::RunOnce() {
  absl::StatusOr<rpc::GetClusterStatusReply> status = d_.gcs.GetClusterStatus();
  if (!status.ok()) return status.status();
  absl::StatusOr<std::map<std::string, ProviderInstance>> listed = d_.provider->List();
  if (!listed.ok()) return listed.status();
  Reconcile(*status, *listed);
  ScalingDecision decision = Decide(d_.config, InputOf(*status));
  for (const Infeasible& f : decision.infeasible) {
    PHOTON_LOG(WARNING) << "autoscaler: infeasible demand x" << f.count << ": " << f.reason;
  }
  Launch(decision);
  DrainOrTerminate(*status, decision);
  if (absl::Status s = store_.Save(); !s.ok()) return s;
  return Report(decision);
}

}  // namespace autoscaler
}  // namespace photon
