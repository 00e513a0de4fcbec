#include "absl/strings/str_cat.h"
#include "core/api/photon.h"

namespace photon {

SchedulingStrategy SchedulingStrategy::NodeAffinity(const std::string& node_id_hex, bool soft) {
  absl::StatusOr<NodeID> node = NodeID::FromHex(node_id_hex);
  if (!node.ok()) throw Error("NodeAffinity: bad node ID '" + node_id_hex + "': " + node.status().ToString());
  SchedulingStrategy s;
  s.proto_.set_kind(rpc::LeaseSchedulingStrategy::NODE_AFFINITY);
  s.proto_.set_node_id(node->Binary());
  s.proto_.set_soft(soft);
  return s;
}

SchedulingStrategy SchedulingStrategy::PlacementGroup(const photon::PlacementGroup& group, int bundle_index) {
  if (group.ID().IsNil()) throw Error("PlacementGroup strategy: an empty PlacementGroup");
  if (bundle_index < -1) throw Error("PlacementGroup strategy: bundle index " + std::to_string(bundle_index));
  SchedulingStrategy s;
  s.proto_.set_kind(rpc::LeaseSchedulingStrategy::PLACEMENT_GROUP);
  s.proto_.set_placement_group_id(group.ID().Binary());
  s.proto_.set_bundle_index(bundle_index);
  return s;
}

bool PlacementGroup::Wait(int64_t timeout_ms) const {
  absl::StatusOr<bool> ready = api_internal::Worker().placement_groups().Wait(id_, std::chrono::milliseconds(timeout_ms));
  api_internal::ThrowIfError(ready.status());
  return *ready;
}

std::vector<std::string> PlacementGroup::BundleNodes() const {
  absl::StatusOr<rpc::PlacementGroupTableData> group = api_internal::Worker().placement_groups().Get(id_);
  api_internal::ThrowIfError(group.status());
  std::vector<std::string> nodes;
  for (const rpc::Bundle& b : group->bundles()) {
    nodes.push_back(b.node_id().empty() ? "" : NodeID::FromBinary(b.node_id()).value_or(NodeID::Nil()).Hex());
  }
  return nodes;
}

PlacementGroup CreatePlacementGroup(const std::vector<std::map<std::string, double>>& bundles,
                                    PlacementStrategy strategy, const std::string& name, bool detached) {
  rpc::PlacementStrategy s = rpc::PACK;
  switch (strategy) {
    case PlacementStrategy::kPack: s = rpc::PACK; break;
    case PlacementStrategy::kSpread: s = rpc::SPREAD_BUNDLES; break;
    case PlacementStrategy::kStrictPack: s = rpc::STRICT_PACK; break;
    case PlacementStrategy::kStrictSpread: s = rpc::STRICT_SPREAD; break;
  }
  absl::StatusOr<PlacementGroupID> id = api_internal::Worker().placement_groups().Create(bundles, s, name, detached);
  if (!id.ok() && id.status().code() == absl::StatusCode::kInvalidArgument) throw Error(id.status().ToString());
  api_internal::ThrowIfError(id.status());
  return PlacementGroup(*id);
}

void RemovePlacementGroup(const PlacementGroup& group) {
  api_internal::ThrowIfError(api_internal::Worker().placement_groups().Remove(group.ID()));
}

PlacementGroup GetPlacementGroup(const std::string& name) {
  absl::StatusOr<rpc::PlacementGroupTableData> group = api_internal::Worker().placement_groups().Get(PlacementGroupID::Nil(), name);
  api_internal::ThrowIfError(group.status());
  return PlacementGroup(*PlacementGroupID::FromBinary(group->placement_group_id()));
}

namespace api_internal {

std::string RequireRemoteName(const void* address) {
  std::optional<std::string> name = FunctionRegistry::Global().NameOfAddress(address);
  if (!name) throw Error("photon::Task: this function is not registered; add PHOTON_REMOTE(name) in its .cc file");
  return *name;
}

ObjectID Submit(const std::string& name, std::vector<core::TaskArg> args, const core::TaskOptions& options) {
  absl::StatusOr<std::vector<ObjectID>> ids = Worker().tasks().Submit(name, std::move(args), options);
  if (!ids.ok()) {
    if (ids.status().code() == absl::StatusCode::kInvalidArgument) throw SchedulingError(ids.status().ToString());
    ThrowIfError(ids.status());
  }
  return ids->front();
}

ActorID CreateActor(const std::string& factory, std::vector<core::TaskArg> args, const core::ActorOptions& options) {
  absl::StatusOr<ActorID> id = Worker().actors().Create(factory, std::move(args), options);
  if (!id.ok()) {
    if (id.status().code() == absl::StatusCode::kInvalidArgument) throw SchedulingError(id.status().ToString());
    ThrowIfError(id.status());
  }
  return *id;
}

ObjectID SubmitActorTask(const ActorID& actor, const std::string& method, std::vector<core::TaskArg> args) {
  if (actor.IsNil()) throw Error("photon: a call on an empty ActorHandle");
  absl::StatusOr<std::vector<ObjectID>> ids = Worker().actors().Call(actor, method, std::move(args));
  ThrowIfError(ids.status());
  return ids->front();
}

void KillActor(const ActorID& actor, bool no_restart) {
  if (actor.IsNil()) throw Error("photon: Kill on an empty ActorHandle");
  ThrowIfError(Worker().actors().Kill(actor, no_restart));
}

ActorID GetNamedActor(const std::string& name, const std::string& ns) {
  absl::StatusOr<ActorID> id = Worker().actors().GetNamed(name, ns);
  ThrowIfError(id.status());
  return *id;
}

std::string RequireMethodName(const std::optional<std::string>& name) {
  if (!name) throw Error("photon: this actor method is not registered; add PHOTON_REMOTE(&Class::Method) in a .cc file");
  return *name;
}

ObjectID PutBytes(const std::string& bytes) {
  absl::StatusOr<ObjectID> id = Worker().objects().Put(bytes);
  ThrowIfError(id.status());
  return *id;
}

std::vector<std::shared_ptr<const StoredObject>> GetBytes(const std::vector<ObjectID>& ids, int64_t timeout_ms) {
  for (const ObjectID& id : ids) {
    if (id.IsNil()) throw Error("photon::Get: an empty ObjectRef");
  }
  auto values = Worker().objects().Get(ids, std::chrono::milliseconds(timeout_ms));
  ThrowIfError(values.status());
  return *std::move(values);
}

std::vector<bool> WaitIds(const std::vector<ObjectID>& ids, int num_returns, int64_t timeout_ms) {
  auto ready = Worker().objects().Wait(ids, num_returns, std::chrono::milliseconds(timeout_ms));
  ThrowIfError(ready.status());
  return *std::move(ready);
}

void ThrowDeserializeError(const ObjectID& id, const absl::Status& status) {
  throw Error(absl::StrCat("object ", id.Hex(), " does not hold the requested type: ", status.message()));
}

}  // namespace api_internal
}  // namespace photon
