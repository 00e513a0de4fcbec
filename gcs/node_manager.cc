#include "gcs/node_manager.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/common/status_macros.h"

namespace photon {
namespace gcs {

constexpr char NodeManager::kTable[];

absl::Status ValidateResources(const rpc::ResourceSet& resources, const std::string& what) {
  for (const auto& [name, amount] : resources.amounts()) {
    if (name.empty()) return absl::InvalidArgumentError(what + ": a resource has an empty name");
    if (!std::isfinite(amount) || amount < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": resource '", name, "' must be a finite amount >= 0, got ", amount));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateNodeInfo(const rpc::GcsNodeInfo& info) {
  ASSIGN_OR_RETURN(NodeID id, NodeID::FromBinary(info.node_id()));
  if (id.IsNil()) return absl::InvalidArgumentError("node_id must not be nil");
  if (info.node_ip().empty()) {
    return absl::InvalidArgumentError("node " + id.Hex() + ": node_ip is empty");
  }
  if (info.raylet_port() <= 0 || info.raylet_port() > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("node ", id.Hex(), ": raylet_port ", info.raylet_port(), " is not a port"));
  }
  return ValidateResources(info.resources_total(), "node " + id.Hex());
}

NodeManager::NodeManager(StoreClient& store, Publisher& publisher, Clock clock)
    : store_(store), publisher_(publisher), clock_(std::move(clock)) {}

absl::Status NodeManager::Initialize() {
  ASSIGN_OR_RETURN(auto rows, store_.GetAll(kTable));
  for (const auto& [key, value] : rows) {
    rpc::GcsNodeInfo info;
    absl::StatusOr<NodeID> id = NodeID::FromBinary(key);
    if (!id.ok() || !info.ParseFromString(value)) {
      PHOTON_LOG(ERROR) << "node table: skipping a corrupt row (" << key.size() << "-byte key)";
      continue;
    }
    nodes_[*id] = info;
  }
  size_t alive = 0;
  for (const auto& [id, info] : nodes_) {
    if (info.state() != rpc::GcsNodeInfo::ALIVE) continue;
    alive++;
    for (const Listener& l : listeners_) {
      if (l.on_alive) l.on_alive(info);
    }
  }
  PHOTON_LOG(INFO) << "node table loaded: " << nodes_.size() << " nodes, " << alive << " alive";
  return absl::OkStatus();
}

void NodeManager::AddListener(Listener listener) { listeners_.push_back(std::move(listener)); }

absl::Status NodeManager::Save(const rpc::GcsNodeInfo& info) {
  return store_.Put(kTable, info.node_id(), info.SerializeAsString()).status();
}

void NodeManager::PublishNode(const rpc::GcsNodeInfo& info) {
  rpc::PubMessage message;
  message.set_channel(rpc::NODE);
  *message.mutable_node() = info;
  publisher_.Publish(std::move(message));
}

absl::Status NodeManager::Register(rpc::GcsNodeInfo info) {
  RETURN_IF_ERROR(ValidateNodeInfo(info));
  NodeID id = *NodeID::FromBinary(info.node_id());
  auto it = nodes_.find(id);
  if (it != nodes_.end() && it->second.state() == rpc::GcsNodeInfo::DEAD) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", id.Hex(), " is DEAD (", it->second.death_reason(),
                     ") and cannot register again; start the raylet again to join as a new node"));
  }
  const bool known = it != nodes_.end();
  info.set_state(rpc::GcsNodeInfo::ALIVE);
  info.clear_death_reason();
  info.set_end_time_ms(0);
  if (known && it->second.start_time_ms() != 0) info.set_start_time_ms(it->second.start_time_ms());
  if (info.start_time_ms() == 0) info.set_start_time_ms(clock_());
  RETURN_IF_ERROR(Save(info));
  nodes_[id] = info;
  PHOTON_LOG(INFO) << (known ? "node re-registered: " : "node registered: ") << id.Hex() << " at "
                   << info.node_ip() << ":" << info.raylet_port();
  PublishNode(info);
  for (const Listener& l : listeners_) {
    if (l.on_alive) l.on_alive(info);
  }
  return absl::OkStatus();
}

absl::Status NodeManager::MarkDead(const NodeID& node_id, const std::string& reason) {
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return absl::NotFoundError("unknown node " + node_id.Hex());
  if (it->second.state() == rpc::GcsNodeInfo::DEAD) return absl::OkStatus();
  rpc::GcsNodeInfo info = it->second;
  info.set_state(rpc::GcsNodeInfo::DEAD);
  info.set_death_reason(reason);
  info.set_end_time_ms(clock_());
  // The in-memory view changes even if storage fails: the node is gone either way.
  it->second = info;
  absl::Status saved = Save(info);
  PHOTON_LOG(WARNING) << "node " << node_id.Hex() << " is DEAD: " << reason;
  PublishNode(info);
  for (const Listener& l : listeners_) {
    if (l.on_dead) l.on_dead(info);
  }
  return saved;
}

std::vector<rpc::GcsNodeInfo> NodeManager::All() const {
  std::vector<rpc::GcsNodeInfo> all;
  all.reserve(nodes_.size());
  for (const auto& [id, info] : nodes_) all.push_back(info);
  return all;
}

const rpc::GcsNodeInfo* NodeManager::Find(const NodeID& node_id) const {
  auto it = nodes_.find(node_id);
  return it == nodes_.end() ? nullptr : &it->second;
}

bool NodeManager::IsAlive(const NodeID& node_id) const {
  const rpc::GcsNodeInfo* info = Find(node_id);
  return info != nullptr && info->state() == rpc::GcsNodeInfo::ALIVE;
}

std::vector<rpc::PubMessage> NodeManager::Snapshot() const {
  std::vector<rpc::PubMessage> messages;
  for (const auto& [id, info] : nodes_) {
    rpc::PubMessage m;
    m.set_channel(rpc::NODE);
    *m.mutable_node() = info;
    messages.push_back(std::move(m));
  }
  return messages;
}

}  // namespace gcs
}  // namespace photon
