#include "core/core_worker/object_releaser.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"

namespace photon {
namespace core {

void ObjectReleaser::DeleteLocalCopies(const std::vector<ObjectID>& ids, const char* when) {
  absl::StatusOr<int64_t> deleted = deps_.store.Delete(ids);
  if (!deleted.ok()) {
    PHOTON_LOG(WARNING) << "freeing " << (ids.size() == 1 ? ids[0].Hex() : absl::StrCat(ids.size(), " objects"))
                        << " in the local store" << when << ": " << deleted.status();
  }
}

void ObjectReleaser::OnOutOfScope(const ObjectID& id, const Reference& ref) {
  deps_.memory_store.Delete({id});
  deps_.borrowed.Forget(id);
  if (deps_.shut_down) return;
  // This node's copy goes now, on the caller's thread; the rest on the loop.
  Reference rest = ref;
  if (ref.owned && rest.locations.erase(deps_.self.node_id) > 0) DeleteLocalCopies({id}, "");
  deps_.loop.Post("CoreWorker.Free", [this, id, rest] { FreeRemote(id, rest); });
}

void ObjectReleaser::FreeRemote(const ObjectID& id, const Reference& ref) {
  deps_.on_released(id);
  if (!ref.owned) return deps_.borrowed.EndBorrow(id, ref);
  for (const NodeID& node : ref.locations) {
    if (node == deps_.self.node_id) {
      DeleteLocalCopies({id}, "");
      continue;
    }
    const std::string address = deps_.nodes.RayletAddress(node);
    if (address.empty() || deps_.nodes.IsDead(node)) continue;
    rpc::FreeObjectsRequest request;
    request.add_object_ids(id.Binary());
    deps_.raylets.For(address).FreeObjects(std::move(request), [id, address](absl::StatusOr<rpc::FreeObjectsReply> r) {
      if (!r.ok()) PHOTON_LOG(WARNING) << "freeing " << id.Hex() << " on " << address << ": " << r.status().message();
    });
  }
}

void ObjectReleaser::FreeAllOwned() {
  absl::flat_hash_map<NodeID, std::vector<ObjectID>> by_node;
  for (const auto& [id, nodes] : deps_.refs.OwnedLocations()) {
    for (const NodeID& node : nodes) by_node[node].push_back(id);
  }
  for (const auto& [node, ids] : by_node) {
    if (node == deps_.self.node_id) {
      DeleteLocalCopies(ids, " at shutdown");
      continue;
    }
    const std::string address = deps_.nodes.RayletAddress(node);
    if (address.empty() || deps_.nodes.IsDead(node)) continue;
    rpc::FreeObjectsRequest request;
    for (const ObjectID& id : ids) request.add_object_ids(id.Binary());
    // Not deps_.raylets: that cache belongs to the loop.
    absl::StatusOr<rpc::FreeObjectsReply> freed =
        rpc::RayletClient(deps_.loop, address, deps_.self.token).FreeObjectsAndWait(std::move(request));
    if (!freed.ok()) {
      PHOTON_LOG(WARNING) << "freeing objects on " << address << " at shutdown: " << freed.status().message();
    }
  }
}

}  // namespace core
}  // namespace photon
