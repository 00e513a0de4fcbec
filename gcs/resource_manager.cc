#include "gcs/resource_manager.h"

#include "core/common/status_macros.h"
#include "google/protobuf/util/message_differencer.h"

namespace photon {
namespace gcs {
namespace {

bool SameAmounts(const rpc::ResourceSet& a, const rpc::ResourceSet& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

ResourceManager::ResourceManager(const NodeManager& nodes, Publisher& publisher)
    : nodes_(nodes), publisher_(publisher) {}

void ResourceManager::PublishUsage(const rpc::ResourceUsage& usage) {
  rpc::PubMessage message;
  message.set_channel(rpc::RESOURCES);
  *message.mutable_resources() = usage;
  publisher_.Publish(std::move(message));
}

absl::Status ResourceManager::Report(const rpc::ResourceUsage& usage) {
  ASSIGN_OR_RETURN(NodeID id, NodeID::FromBinary(usage.node_id()));
  if (!nodes_.IsAlive(id)) {
    return absl::NotFoundError("node " + id.Hex() + " is not registered as ALIVE with this GCS");
  }
  RETURN_IF_ERROR(ValidateResources(usage.total(), "resource report of node " + id.Hex()));
  RETURN_IF_ERROR(ValidateResources(usage.available(), "resource report of node " + id.Hex()));
  rpc::ResourceUsage& current = usage_[id];
  const bool changed = !SameAmounts(current.total(), usage.total()) ||
                       !SameAmounts(current.available(), usage.available());
  current = usage;
  if (changed) PublishUsage(current);
  return absl::OkStatus();
}

void ResourceManager::OnNodeAlive(const rpc::GcsNodeInfo& node) {
  NodeID id = *NodeID::FromBinary(node.node_id());
  if (usage_.contains(id)) return;
  rpc::ResourceUsage usage;
  usage.set_node_id(node.node_id());
  *usage.mutable_total() = node.resources_total();
  *usage.mutable_available() = node.resources_total();
  usage_[id] = usage;
  PublishUsage(usage);
}

void ResourceManager::OnNodeDead(const rpc::GcsNodeInfo& node) {
  usage_.erase(*NodeID::FromBinary(node.node_id()));
}

std::vector<rpc::ResourceUsage> ResourceManager::All() const {
  std::vector<rpc::ResourceUsage> all;
  for (const auto& [id, usage] : usage_) all.push_back(usage);
  return all;
}

std::vector<rpc::PubMessage> ResourceManager::Snapshot() const {
  std::vector<rpc::PubMessage> messages;
  for (const auto& [id, usage] : usage_) {
    rpc::PubMessage m;
    m.set_channel(rpc::RESOURCES);
    *m.mutable_resources() = usage;
    messages.push_back(std::move(m));
  }
  return messages;
}

}  // namespace gcs
}  // namespace photon
