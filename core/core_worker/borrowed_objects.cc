#include "core/core_worker/borrowed_objects.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "core/core_worker/errors.h"
#include "core/rpc/addresses.h"

namespace photon {
namespace core {

void BorrowedObjects::RequestStatus(const ObjectID& id) {
  std::optional<rpc::Address> owner = deps_.refs.OwnerOf(id);
  if (!owner) return;
  {
    absl::MutexLock lock(&mu_);
    if (!status_requested_.insert(id).second) return;
  }
  deps_.loop.Post("CoreWorker.AskOwner", [this, id, owner = *owner] { AskOwner(id, owner); });
}

void BorrowedObjects::AskOwner(const ObjectID& id, const rpc::Address& owner) {
  const std::string address = rpc::HostPort(owner);
  rpc::GetObjectStatusRequest request;
  request.set_object_id(id.Binary());
  deps_.owners.For(address).GetObjectStatus(
      std::move(request),
      [this, id, address](absl::StatusOr<rpc::GetObjectStatusReply> reply) { OnStatus(id, address, reply); });
}

void BorrowedObjects::OnStatus(const ObjectID& id, const std::string& address,
                               const absl::StatusOr<rpc::GetObjectStatusReply>& reply) {
  StoredObject value;
  if (!reply.ok()) {
    value = ErrorObject(ErrorKind::kOwnerDied, absl::StrCat("the owner of object ", id.Hex(), " at ", address,
                                                            " cannot be reached: ", reply.status().message()));
  } else if (reply->status() == rpc::GetObjectStatusReply::FREED) {
    value = ErrorObject(ErrorKind::kObjectLost,
                        absl::StrCat("object ", id.Hex(), " was already freed by its owner at ", address));
  } else {
    value = StoredObject{reply->data(), reply->metadata(), reply->in_object_store()};
    absl::MutexLock lock(&mu_);
    locations_[id].assign(reply->locations().begin(), reply->locations().end());
  }
  (void)deps_.memory_store.Put(id, std::move(value));
}

void BorrowedObjects::NoteLocations(const ObjectID& id, std::vector<rpc::ObjectLocation> locations) {
  if (deps_.refs.IsOwned(id) || locations.empty() || deps_.memory_store.GetIfPresent(id) != nullptr) return;
  {
    absl::MutexLock lock(&mu_);
    locations_[id] = std::move(locations);
    status_requested_.insert(id);
  }
  (void)deps_.memory_store.Put(id, StoredObject{"", "", true});
}

std::vector<rpc::ObjectLocation> BorrowedObjects::Locations(const ObjectID& id) const {
  absl::MutexLock lock(&mu_);
  auto it = locations_.find(id);
  return it == locations_.end() ? std::vector<rpc::ObjectLocation>() : it->second;
}

void BorrowedObjects::ReportCopy(const ObjectID& id) {
  std::optional<rpc::Address> owner = deps_.refs.OwnerOf(id);
  if (!owner) return;
  deps_.loop.Post("CoreWorker.ReportCopy", [this, id, owner = *owner] {
    rpc::AddObjectLocationRequest request;
    request.set_object_id(id.Binary());
    request.set_node_id(deps_.self.node_id.Binary());
    deps_.owners.For(rpc::HostPort(owner)).AddObjectLocation(std::move(request), nullptr);
  });
}

void BorrowedObjects::Borrow(std::vector<ObjectID> ids, std::function<void()> done) {
  std::map<std::string, std::pair<rpc::Address, rpc::AddBorrowerRequest>> by_owner;
  for (const ObjectID& id : ids) {
    std::optional<rpc::Address> owner = deps_.refs.OwnerOf(id);
    if (!owner || deps_.refs.IsOwned(id)) continue;
    auto& [address, request] = by_owner[rpc::HostPort(*owner)];
    address = *owner;
    request.add_object_ids(id.Binary());
  }
  if (by_owner.empty()) return done();
  auto waiting = std::make_shared<size_t>(by_owner.size());
  deps_.loop.Post("CoreWorker.Borrow", [this, by_owner = std::move(by_owner), waiting, done = std::move(done)]() mutable {
    for (auto& [host_port, owner_request] : by_owner) {
      auto& [owner, request] = owner_request;
      *request.mutable_borrower() = deps_.self.address;
      auto asked = std::make_shared<rpc::AddBorrowerRequest>(request);
      deps_.owners.For(host_port).AddBorrower(
          std::move(request), [this, owner = owner, host_port = host_port, asked, waiting,
                               done](absl::StatusOr<rpc::AddBorrowerReply> reply) {
            OnBorrowed(owner, host_port, *asked, reply);
            if (--*waiting == 0) done();
          });
    }
  });
}

void BorrowedObjects::OnBorrowed(const rpc::Address& owner, const std::string& address,
                                 const rpc::AddBorrowerRequest& asked,
                                 const absl::StatusOr<rpc::AddBorrowerReply>& reply) {
  absl::flat_hash_set<std::string> freed;
  if (reply.ok()) freed.insert(reply->freed_object_ids().begin(), reply->freed_object_ids().end());
  for (const std::string& b : asked.object_ids()) {
    const ObjectID id = *ObjectID::FromBinary(b);
    if (reply.ok() && !freed.contains(b)) {
      MarkReported(id, owner);
      continue;
    }
    StoredObject failed =
        reply.ok() ? ErrorObject(ErrorKind::kObjectLost,
                                 absl::StrCat("object ", id.Hex(), " was already freed by its owner at ", address,
                                              " when this process read a value holding it"))
                   : ErrorObject(ErrorKind::kOwnerDied, absl::StrCat("the owner of object ", id.Hex(), " at ", address,
                                                                     " cannot be reached: ", reply.status().message()));
    {
      absl::MutexLock lock(&mu_);
      status_requested_.insert(id);
    }
    (void)deps_.memory_store.Put(id, std::move(failed));
  }
}

void BorrowedObjects::MarkReported(const ObjectID& id, const rpc::Address& lender) {
  absl::MutexLock lock(&mu_);
  reported_.insert_or_assign(id, lender);
}

void BorrowedObjects::Forget(const ObjectID& id) {
  absl::MutexLock lock(&mu_);
  status_requested_.erase(id);
  locations_.erase(id);
}

void BorrowedObjects::EndBorrow(const ObjectID& id, const Reference& ref) {
  rpc::Address lender;
  {
    absl::MutexLock lock(&mu_);
    auto it = reported_.find(id);
    if (it == reported_.end()) return;  // nobody counted us
    lender = it->second;
    reported_.erase(it);
  }
  ReturnLoan(id, lender);
}

void BorrowedObjects::ReturnLoan(const ObjectID& id, const rpc::Address& lender) {
  rpc::RemoveBorrowerRequest request;
  request.add_object_ids(id.Binary());
  *request.mutable_borrower() = deps_.self.address;
  deps_.owners.For(rpc::HostPort(lender)).RemoveBorrower(std::move(request), nullptr);
}

}  // namespace core
}  // namespace photon
