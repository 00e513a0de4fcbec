// CoreWorker: objects (put, get, wait, references, freeing).
#include "core/core_worker/core_worker.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <future>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"
#include "core/common/memcopy.h"
#include "core/common/status_macros.h"
#include "core/core_worker/node_directory.h"
#include "core/core_worker/owner_service.h"
#include "core/core_worker/task_event_buffer.h"
#include "core/core_worker/task_receiver.h"
#include "core/core_worker/task_submitter.h"
#include "core/rpc/client_call.h"
#include "core/rpc/grpc_server.h"
#include "core/rpc/status_util.h"
#include "gcs/client/gcs_client.h"
#include "object_store/object_store_client.h"

namespace photon {
namespace core {
// ---------------------------------------------------------------- objects


absl::Status CoreWorker::StoreLarge(const ObjectID& id, const std::string& data, const rpc::Address& owner) {
  ASSIGN_OR_RETURN(object_store::MutableObject obj, store_->Create(id, static_cast<int64_t>(data.size()), 0, owner));
  CopyMemory(obj.data, data.data(), data.size());
  RETURN_IF_ERROR(store_->Seal(id));
  return store_->Release(id);
}

absl::StatusOr<ObjectID> CoreWorker::Put(const std::string& data) {
  return PutWith(static_cast<int64_t>(data.size()), [&data](char* out) { CopyMemory(out, data.data(), data.size()); });
}

absl::StatusOr<ObjectID> CoreWorker::PutWith(int64_t size, const std::function<void(char*)>& fill) {
  if (size < 0) return absl::InvalidArgumentError(absl::StrCat("put: negative size ", size));
  const ObjectID id = ObjectID::FromIndex(put_task_, ++put_index_);
  const bool large = size > kMaxInlineBytes;
  std::string small;
  if (large) {
    // Written once, straight into shared memory.
    ASSIGN_OR_RETURN(object_store::MutableObject obj, store_->Create(id, size, 0, address_));
    fill(reinterpret_cast<char*>(obj.data));
    RETURN_IF_ERROR(store_->Seal(id));
    RETURN_IF_ERROR(store_->Release(id));
  } else {
    small.resize(size);
    fill(small.data());
  }
  RETURN_IF_ERROR(refs_->AddOwnedObject(id, size, std::nullopt));
  RETURN_IF_ERROR(refs_->AddLocalReference(id));
  if (large) {
    RETURN_IF_ERROR(refs_->AddLocation(id, node_id_));
    RETURN_IF_ERROR(memory_store_.Put(id, StoredObject{"", "", true}));
  } else {
    RETURN_IF_ERROR(memory_store_.Put(id, StoredObject{std::move(small), "", false}));
  }
  return id;
}

absl::StatusOr<ObjectID> CoreWorker::CreatePending() {
  const ObjectID id = ObjectID::FromIndex(put_task_, ++put_index_);
  RETURN_IF_ERROR(refs_->AddOwnedObject(id, -1, std::nullopt));
  RETURN_IF_ERROR(refs_->AddLocalReference(id));
  return id;
}

absl::Status CoreWorker::Fulfill(const ObjectID& id, std::string data) {
  if (!refs_->IsOwned(id)) return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not owned here"));
  if (static_cast<int64_t>(data.size()) > kMaxInlineBytes) {
    return absl::InvalidArgumentError(absl::StrCat("fulfill: ", data.size(), " bytes is over the inline limit"));
  }
  return memory_store_.Put(id, StoredObject{std::move(data), "", false});
}

void CoreWorker::AddLocalReference(const ObjectID& id) {
  absl::Status s = refs_->AddLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

void CoreWorker::RemoveLocalReference(const ObjectID& id) {
  if (shut_down_) return;
  absl::Status s = refs_->RemoveLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

void CoreWorker::AddBorrowedReference(const ObjectID& id, const rpc::Address& owner) {
  absl::Status s = refs_->AddBorrowedObject(id, owner);
  if (s.ok()) s = refs_->AddLocalReference(id);
  if (!s.ok()) PHOTON_LOG(WARNING) << s;
}

std::optional<rpc::Address> CoreWorker::OwnerOf(const ObjectID& id) const { return refs_->OwnerOf(id); }

void CoreWorker::OnOutOfScope(const ObjectID& id, const Reference& ref) {
  memory_store_.Delete({id});
  {
    absl::MutexLock lock(&mu_);
    status_requested_.erase(id);
    borrowed_locations_.erase(id);
    return_to_task_.erase(id);
  }
  if (shut_down_) return;
  // This node's copy goes now, on the caller's thread, so that a put right
  // after (a loop of large puts) finds its space free instead of taking
  // fresh pages; the rest is done on the loop.
  Reference rest = ref;
  if (ref.owned && rest.locations.erase(node_id_) > 0) {
    absl::StatusOr<int64_t> deleted = store_->Delete({id});
    if (!deleted.ok()) PHOTON_LOG(WARNING) << "freeing " << id.Hex() << " in the local store: " << deleted.status();
  }
  loop_.Post("CoreWorker.Free", [this, id, rest] { FreeOnLoop(id, rest); });
}

void CoreWorker::FreeOnLoop(const ObjectID& id, const Reference& ref) {
  lineage_.erase(id);
  if (!ref.owned) {
    {
      absl::MutexLock lock(&mu_);
      if (reported_borrows_.erase(id) == 0) return;  // the owner never counted us
    }
    // Tell the owner this borrower is done.
    rpc::CoreWorkerService::Stub* stub = &owner_stubs_.For(absl::StrCat(ref.owner.ip(), ":", ref.owner.port()));
    auto request = std::make_shared<rpc::RemoveBorrowerRequest>();
    request->add_object_ids(id.Binary());
    *request->mutable_borrower() = address_;
    rpc::RetryPolicy policy;
    policy.max_attempts = 2;
    rpc::CallAsync<rpc::RemoveBorrowerReply>(
        loop_, "CoreWorker.RemoveBorrowerDone", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::RemoveBorrowerReply* reply, auto on_done) {
          stub->async()->RemoveBorrower(ctx, request.get(), reply, std::move(on_done));
        },
        [](grpc::Status, rpc::RemoveBorrowerReply) {});
    return;
  }
  for (const NodeID& node : ref.locations) {
    if (node == node_id_) {
      absl::StatusOr<int64_t> deleted = store_->Delete({id});
      if (!deleted.ok()) PHOTON_LOG(WARNING) << "freeing " << id.Hex() << " in the local store: " << deleted.status();
      continue;
    }
    const std::string address = nodes_->RayletAddress(node);
    if (address.empty() || nodes_->IsDead(node)) continue;
    rpc::RayletService::Stub* stub = &raylet_stubs_.For(address);
    auto request = std::make_shared<rpc::FreeObjectsRequest>();
    request->add_object_ids(id.Binary());
    rpc::RetryPolicy policy;
    policy.max_attempts = 2;
    rpc::CallAsync<rpc::FreeObjectsReply>(
        loop_, "CoreWorker.FreeObjectsDone", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::FreeObjectsReply* reply, auto on_done) {
          stub->async()->FreeObjects(ctx, request.get(), reply, std::move(on_done));
        },
        [id, address](grpc::Status s, rpc::FreeObjectsReply) {
          if (!s.ok()) PHOTON_LOG(WARNING) << "freeing " << id.Hex() << " on " << address << ": " << s.error_message();
        });
  }
}

void CoreWorker::FreeAllOwned() {
  // The driver's objects end with it: delete every copy it knows of.
  absl::flat_hash_map<NodeID, std::vector<ObjectID>> by_node;
  for (const auto& [id, nodes] : refs_->OwnedLocations()) {
    for (const NodeID& node : nodes) by_node[node].push_back(id);
  }
  for (const auto& [node, ids] : by_node) {
    if (node == node_id_) {
      absl::StatusOr<int64_t> deleted = store_->Delete(ids);
      if (!deleted.ok()) PHOTON_LOG(WARNING) << "freeing objects at shutdown: " << deleted.status();
      continue;
    }
    const std::string address = nodes_->RayletAddress(node);
    if (address.empty() || nodes_->IsDead(node)) continue;
    rpc::FreeObjectsRequest request;
    for (const ObjectID& id : ids) request.add_object_ids(id.Binary());
    rpc::FreeObjectsReply reply;
    grpc::ClientContext ctx;
    rpc::SetAuthToken(&ctx, options_.token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    // Not raylet_stubs_.For(): that cache belongs to the loop, still running.
    grpc::Status s = rpc::RayletService::NewStub(rpc::MakeChannel(address))->FreeObjects(&ctx, request, &reply);
    if (!s.ok()) PHOTON_LOG(WARNING) << "freeing objects on " << address << " at shutdown: " << s.error_message();
  }
}

void CoreWorker::RequestOwnerStatus(const ObjectID& id) {
  std::optional<rpc::Address> owner = refs_->OwnerOf(id);
  if (!owner) return;
  {
    absl::MutexLock lock(&mu_);
    if (!status_requested_.insert(id).second) return;
  }
  loop_.Post("CoreWorker.AskOwner", [this, id, owner = *owner] {
    const std::string address = absl::StrCat(owner.ip(), ":", owner.port());
    rpc::CoreWorkerService::Stub* stub = &owner_stubs_.For(address);
    auto request = std::make_shared<rpc::GetObjectStatusRequest>();
    request->set_object_id(id.Binary());
    rpc::RetryPolicy policy;
    policy.attempt_timeout = std::chrono::hours(24 * 7);
    policy.max_attempts = 3;
    rpc::CallAsync<rpc::GetObjectStatusReply>(
        loop_, "CoreWorker.OwnerStatus", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::GetObjectStatusReply* reply, auto on_done) {
          stub->async()->GetObjectStatus(ctx, request.get(), reply, std::move(on_done));
        },
        [this, id, address](grpc::Status s, rpc::GetObjectStatusReply reply) {
          StoredObject value;
          if (!s.ok()) {
            value = ErrorObject(ErrorKind::kOwnerDied, absl::StrCat("the owner of object ", id.Hex(), " at ", address,
                                                                    " cannot be reached: ", s.error_message()));
          } else if (reply.status() == rpc::GetObjectStatusReply::FREED) {
            value = ErrorObject(ErrorKind::kObjectLost,
                                absl::StrCat("object ", id.Hex(), " was already freed by its owner at ", address));
          } else {
            value = StoredObject{reply.data(), reply.metadata(), reply.in_object_store()};
            absl::MutexLock lock(&mu_);
            borrowed_locations_[id].assign(reply.locations().begin(), reply.locations().end());
          }
          (void)memory_store_.Put(id, std::move(value));
        });
  });
}

std::vector<std::string> CoreWorker::HolderAddresses(const ObjectID& id) {
  std::vector<std::string> holders;
  if (refs_->IsOwned(id)) {
    for (const NodeID& node : refs_->Locations(id)) {
      if (node == node_id_ || nodes_->IsDead(node)) continue;
      const std::string a = nodes_->ObjectManagerAddress(node);
      if (!a.empty()) holders.push_back(a);
    }
  } else {
    absl::MutexLock lock(&mu_);
    auto it = borrowed_locations_.find(id);
    if (it != borrowed_locations_.end()) {
      for (const rpc::ObjectLocation& loc : it->second) {
        if (loc.object_manager_address() != object_manager_address_) holders.push_back(loc.object_manager_address());
      }
    }
  }
  return holders;
}

void CoreWorker::NoteLocalCopy(const ObjectID& id) {
  if (refs_->IsOwned(id)) {
    (void)refs_->AddLocation(id, node_id_);
    return;
  }
  std::optional<rpc::Address> owner = refs_->OwnerOf(id);
  if (!owner) return;
  loop_.Post("CoreWorker.ReportCopy", [this, id, owner = *owner] {
    rpc::CoreWorkerService::Stub* stub = &owner_stubs_.For(absl::StrCat(owner.ip(), ":", owner.port()));
    auto request = std::make_shared<rpc::AddObjectLocationRequest>();
    request->set_object_id(id.Binary());
    request->set_node_id(node_id_.Binary());
    rpc::RetryPolicy policy;
    policy.max_attempts = 2;
    rpc::CallAsync<rpc::AddObjectLocationReply>(
        loop_, "CoreWorker.ReportCopyDone", options_.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::AddObjectLocationReply* reply, auto on_done) {
          stub->async()->AddObjectLocation(ctx, request.get(), reply, std::move(on_done));
        },
        [](grpc::Status, rpc::AddObjectLocationReply) {});
  });
}

absl::StatusOr<std::shared_ptr<const StoredObject>> CoreWorker::FetchFromStore(
    const ObjectID& id, std::chrono::steady_clock::time_point deadline) {
  bool pulled = false;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<object_store::ObjectBuffer> got, store_->Get({id}, 0));
    if (!got.empty() && got[0].found) {
      // Read in place: the pin holds the store's pin (and the client, so the
      // mapping) until the last reader lets go.
      auto value = std::make_shared<StoredObject>();
      value->view = std::string_view(reinterpret_cast<const char*>(got[0].data), got[0].data_size);
      std::shared_ptr<object_store::ObjectStoreClient> store = store_;
      value->pin = std::shared_ptr<const void>(got[0].data, [store, id](const void*) { (void)store->Release(id); });
      if (pulled) NoteLocalCopy(id);
      return std::shared_ptr<const StoredObject>(std::move(value));
    }
    std::vector<std::string> holders = HolderAddresses(id);
    std::string why;
    if (!holders.empty()) {
      rpc::PullObjectRequest request;
      request.set_object_id(id.Binary());
      for (const std::string& h : holders) request.add_holders(h);
      // Pull in bounded rounds: between rounds the owner's view can change
      // (a holder died, the object is being rebuilt).
      const auto left = std::min<std::chrono::milliseconds>(
          std::chrono::seconds(5),
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
      request.set_timeout_ms(std::max<int64_t>(1, left.count()));
      rpc::PullObjectReply reply;
      grpc::ClientContext ctx;
      rpc::SetAuthToken(&ctx, options_.token);
      ctx.set_deadline(std::chrono::system_clock::now() + left + std::chrono::seconds(1));
      grpc::Status s = local_raylet_->PullObject(&ctx, request, &reply);
      if (s.ok()) {
        pulled = true;
        continue;
      }
      why = s.error_message();
    } else {
      why = "no node holds a copy";
    }
    // The owner's record changed (being rebuilt, or failed): let Get look again.
    if (refs_->IsOwned(id)) {
      std::shared_ptr<const StoredObject> now = memory_store_.GetIfPresent(id);
      if (now == nullptr || !now->in_object_store) return std::shared_ptr<const StoredObject>();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return ErrorStatus(ErrorKind::kGetTimeout, absl::StrCat("object ", id.Hex(), " not fetched in time: ", why));
    }
    const bool owned = refs_->IsOwned(id);
    if (owned && refs_->Locations(id).empty()) {
      std::optional<Reference> ref = refs_->GetReference(id);
      if (!ref || !ref->lineage_task) {
        return ErrorStatus(ErrorKind::kObjectLost,
                           absl::StrCat("object ", id.Hex(), " is lost: every copy is gone (", why,
                                        ") and a put object cannot be rebuilt"));
      }
    }
    if (!owned && holders.empty()) {
      return ErrorStatus(ErrorKind::kObjectLost, absl::StrCat("object ", id.Hex(), " is lost: ", why));
    }
    // A node may be dying: try again once the cluster view has caught up.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> CoreWorker::Get(const std::vector<ObjectID>& ids,
                                                                                 std::chrono::milliseconds timeout) {
  for (const ObjectID& id : ids) {
    if (!refs_->Has(id)) {
      return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not known to this process (freed, or never created here)"));
    }
    if (!refs_->IsOwned(id) && memory_store_.GetIfPresent(id) == nullptr) RequestOwnerStatus(id);
  }
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = timeout.count() < 0 ? std::chrono::steady_clock::time_point::max() : start + timeout;
  auto remaining = [&]() {
    if (timeout.count() < 0) return MemoryStore::kForever;
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
  };
  auto timed_out = [&](const std::vector<ObjectID>& wanted) {
    size_t missing = 0;
    for (const ObjectID& id : wanted) missing += memory_store_.Contains(id) ? 0 : 1;
    return ErrorStatus(ErrorKind::kGetTimeout,
                       absl::StrCat("get timed out after ", timeout.count(), " ms: ", missing, " of ", ids.size(),
                                    " objects not ready (first: ", wanted[0].Hex(), ")"));
  };
  // One wait for all of them, then fetch what lives in object stores.
  absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> all = memory_store_.Get(ids, remaining());
  if (!all.ok()) return timed_out(ids);
  std::vector<std::shared_ptr<const StoredObject>> out = *std::move(all);
  for (size_t i = 0; i < ids.size(); i++) {
    while (true) {
      std::shared_ptr<const StoredObject> value = out[i];
      const ErrorKind kind = ErrorKindOfObject(*value);
      if (kind != ErrorKind::kNone) return ErrorStatus(kind, value->data, ErrorValueOfObject(*value));
      if (!value->in_object_store) break;
      ASSIGN_OR_RETURN(std::shared_ptr<const StoredObject> fetched, FetchFromStore(ids[i], deadline));
      if (fetched) {
        out[i] = std::move(fetched);
        break;
      }
      // Being rebuilt: wait for its new value.
      absl::StatusOr<std::vector<std::shared_ptr<const StoredObject>>> again =
          memory_store_.Get({ids[i]}, remaining());
      if (!again.ok()) return timed_out({ids[i]});
      out[i] = (*again)[0];
    }
  }
  return out;
}

absl::StatusOr<std::vector<bool>> CoreWorker::Wait(const std::vector<ObjectID>& ids, int num_returns,
                                                   std::chrono::milliseconds timeout) {
  if (num_returns < 0 || static_cast<size_t>(num_returns) > ids.size()) {
    return absl::InvalidArgumentError(absl::StrCat("wait: num_returns is ", num_returns, " but ", ids.size(),
                                                   " references were given"));
  }
  absl::flat_hash_set<ObjectID> seen;
  for (const ObjectID& id : ids) {
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError("wait: object " + id.Hex() + " is listed twice");
    }
    if (!refs_->Has(id)) return absl::NotFoundError(absl::StrCat("object ", id.Hex(), " is not known to this process"));
    if (!refs_->IsOwned(id) && memory_store_.GetIfPresent(id) == nullptr) RequestOwnerStatus(id);
  }
  return memory_store_.Wait(ids, num_returns, timeout);
}

}  // namespace core
}  // namespace photon
