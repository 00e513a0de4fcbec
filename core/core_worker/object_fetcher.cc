#include "core/core_worker/object_fetcher.h"

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "core/core_worker/errors.h"

namespace photon {
namespace core {

absl::StatusOr<std::shared_ptr<const StoredObject>> ObjectFetcher::Fetch(
    const ObjectID& id, std::chrono::steady_clock::time_point deadline) {
  bool pulled = false;
  while (true) {
    ASSIGN_OR_RETURN(std::shared_ptr<const StoredObject> local, ReadLocal(id));
    if (local != nullptr) {
      if (pulled) NoteLocalCopy(id);
      return local;
    }
    const std::vector<std::string> holders = Holders(id);
    const std::string why = holders.empty() ? "no node holds a copy" : Pull(id, holders, deadline);
    if (why.empty()) {
      pulled = true;
      continue;
    }
    // The owner's record changed (being rebuilt, or failed): let Get look again.
    if (deps_.refs.IsOwned(id)) {
      std::shared_ptr<const StoredObject> now = deps_.memory_store.GetIfPresent(id);
      if (now == nullptr || !now->in_object_store) return std::shared_ptr<const StoredObject>();
    }
    RETURN_IF_ERROR(GiveUp(id, !holders.empty(), why, deadline));
    // A node may be dying: try again once the cluster view has caught up.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

absl::StatusOr<std::shared_ptr<const StoredObject>> ObjectFetcher::ReadLocal(const ObjectID& id) {
  ASSIGN_OR_RETURN(std::vector<object_store::ObjectBuffer> got, deps_.store->Get({id}, 0));
  if (got.empty() || !got[0].found) return std::shared_ptr<const StoredObject>();
  // Read in place: the pin holds the store's pin (and the client, so the
  // mapping) until the last reader lets go.
  auto value = std::make_shared<StoredObject>();
  value->view = std::string_view(reinterpret_cast<const char*>(got[0].data), got[0].data_size);
  std::shared_ptr<object_store::ObjectStoreClient> store = deps_.store;
  value->pin = std::shared_ptr<const void>(got[0].data, [store, id](const void*) { (void)store->Release(id); });
  return std::shared_ptr<const StoredObject>(std::move(value));
}

std::string ObjectFetcher::Pull(const ObjectID& id, const std::vector<std::string>& holders,
                                std::chrono::steady_clock::time_point deadline) {
  rpc::PullObjectRequest request;
  request.set_object_id(id.Binary());
  for (const std::string& h : holders) request.add_holders(h);
  // Pull in bounded rounds: between rounds the owner's view can change
  // (a holder died, the object is being rebuilt).
  const auto left = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(5),
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  request.set_timeout_ms(std::max<int64_t>(1, left.count()));
  WorkerBlocking::Scope blocked = deps_.blocking.BlockIf([] { return true; });
  absl::StatusOr<rpc::PullObjectReply> pulled = deps_.local_raylet.PullObjectAndWait(std::move(request));
  return pulled.ok() ? "" : std::string(pulled.status().message());
}

absl::Status ObjectFetcher::GiveUp(const ObjectID& id, bool had_holders, const std::string& why,
                                   std::chrono::steady_clock::time_point deadline) const {
  if (std::chrono::steady_clock::now() >= deadline) {
    return ErrorStatus(ErrorKind::kGetTimeout, absl::StrCat("object ", id.Hex(), " not fetched in time: ", why));
  }
  const bool owned = deps_.refs.IsOwned(id);
  if (owned && deps_.refs.Locations(id).empty()) {
    std::optional<Reference> ref = deps_.refs.GetReference(id);
    if (!ref || !ref->lineage_task) {
      return ErrorStatus(ErrorKind::kObjectLost, absl::StrCat("object ", id.Hex(), " is lost: every copy is gone (",
                                                              why, ") and a put object cannot be rebuilt"));
    }
  }
  if (!owned && !had_holders) {
    return ErrorStatus(ErrorKind::kObjectLost, absl::StrCat("object ", id.Hex(), " is lost: ", why));
  }
  return absl::OkStatus();
}

std::vector<std::string> ObjectFetcher::Holders(const ObjectID& id) const {
  std::vector<std::string> holders;
  if (deps_.refs.IsOwned(id)) {
    for (const NodeID& node : deps_.refs.Locations(id)) {
      if (node == deps_.self.node_id || deps_.nodes.IsDead(node)) continue;
      const std::string a = deps_.nodes.ObjectManagerAddress(node);
      if (!a.empty()) holders.push_back(a);
    }
    return holders;
  }
  for (const rpc::ObjectLocation& loc : deps_.borrowed.Locations(id)) {
    if (loc.object_manager_address() != deps_.self.object_manager_address) {
      holders.push_back(loc.object_manager_address());
    }
  }
  return holders;
}

void ObjectFetcher::NoteLocalCopy(const ObjectID& id) {
  if (deps_.refs.IsOwned(id)) {
    (void)deps_.refs.AddLocation(id, deps_.self.node_id);
    return;
  }
  deps_.borrowed.ReportCopy(id);
}

}  // namespace core
}  // namespace photon
