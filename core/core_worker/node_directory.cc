#include "core/core_worker/node_directory.h"

#include "absl/strings/str_cat.h"
#include "core/rpc/addresses.h"

namespace photon {
namespace core {

NodeDirectory::NodeDirectory(gcs::GcsClient& gcs, OnNodeDead on_node_dead)
    : gcs_(gcs), on_node_dead_(std::move(on_node_dead)) {}

NodeDirectory::~NodeDirectory() { Stop(); }

absl::Status NodeDirectory::Start(std::chrono::milliseconds timeout) {
  gcs::GcsSubscriber::Callbacks callbacks;
  callbacks.on_snapshot = [this](const std::vector<rpc::PubMessage>& all) {
    for (const rpc::PubMessage& m : all) {
      if (m.has_node()) Apply(m.node());
    }
    absl::MutexLock lock(&mu_);
    have_snapshot_ = true;
  };
  callbacks.on_message = [this](const rpc::PubMessage& m) {
    if (m.has_node()) Apply(m.node());
  };
  subscriber_ = std::make_unique<gcs::GcsSubscriber>(gcs_, std::vector<rpc::Channel>{rpc::NODE}, callbacks);
  subscriber_->Start();
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return have_snapshot_; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&ready), absl::FromChrono(timeout))) {
    return absl::UnavailableError(absl::StrCat("no node table from the GCS at ", gcs_.address(), " within ",
                                               timeout.count(), " ms"));
  }
  return absl::OkStatus();
}

void NodeDirectory::Stop() {
  if (subscriber_) subscriber_->Stop();
}

void NodeDirectory::Apply(const rpc::GcsNodeInfo& node) {
  absl::StatusOr<NodeID> id = NodeID::FromBinary(node.node_id());
  if (!id.ok()) return;
  bool newly_dead = false;
  {
    absl::MutexLock lock(&mu_);
    nodes_[*id] = node;
    if (node.state() == rpc::GcsNodeInfo::DEAD) newly_dead = reported_dead_.insert(*id).second;
  }
  if (newly_dead && on_node_dead_) on_node_dead_(*id);
}

std::optional<rpc::GcsNodeInfo> NodeDirectory::Get(const NodeID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end()) return std::nullopt;
  return it->second;
}

bool NodeDirectory::IsDead(const NodeID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  return it != nodes_.end() && it->second.state() == rpc::GcsNodeInfo::DEAD;
}

std::vector<rpc::GcsNodeInfo> NodeDirectory::Alive() const {
  absl::MutexLock lock(&mu_);
  std::vector<rpc::GcsNodeInfo> out;
  for (const auto& [id, n] : nodes_) {
    if (n.state() == rpc::GcsNodeInfo::ALIVE) out.push_back(n);
  }
  return out;
}

std::string NodeDirectory::RayletAddress(const NodeID& id) const {
  std::optional<rpc::GcsNodeInfo> n = Get(id);
  return n ? rpc::RayletAddress(*n) : "";
}

std::string NodeDirectory::ObjectManagerAddress(const NodeID& id) const {
  std::optional<rpc::GcsNodeInfo> n = Get(id);
  return n ? rpc::ObjectManagerAddress(*n) : "";
}

bool NodeDirectory::AnyNodeCanHold(const rpc::ResourceSet& request) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, n] : nodes_) {
    if (n.state() != rpc::GcsNodeInfo::ALIVE) continue;
    bool fits = true;
    for (const auto& [name, amount] : request.amounts()) {
      if (amount <= 0) continue;
      auto it = n.resources_total().amounts().find(name);
      if (it == n.resources_total().amounts().end() || it->second + 1e-9 < amount) {
        fits = false;
        break;
      }
    }
    if (fits) return true;
  }
  return false;
}

}  // namespace core
}  // namespace photon
