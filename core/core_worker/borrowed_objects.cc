#include "core/core_worker/borrowed_objects.h"

#include "absl/strings/str_cat.h"
#include "core/core_worker/errors.h"

namespace photon {
namespace core {
namespace {

std::string HostPort(const rpc::Address& a) { return absl::StrCat(a.ip(), ":", a.port()); }

}  // namespace

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
  const std::string address = HostPort(owner);
  rpc::CoreWorkerService::Stub* stub = &deps_.owners.For(address);
  auto request = std::make_shared<rpc::GetObjectStatusRequest>();
  request->set_object_id(id.Binary());
  rpc::RetryPolicy policy;
  policy.attempt_timeout = std::chrono::hours(24 * 7);
  policy.max_attempts = 3;
  rpc::CallAsync<rpc::GetObjectStatusReply>(
      deps_.loop, "CoreWorker.OwnerStatus", deps_.self.token, policy,
      [stub, request](grpc::ClientContext* ctx, rpc::GetObjectStatusReply* reply, auto on_done) {
        stub->async()->GetObjectStatus(ctx, request.get(), reply, std::move(on_done));
      },
      [this, id, address](grpc::Status s, rpc::GetObjectStatusReply reply) { OnStatus(id, address, s, reply); });
}

void BorrowedObjects::OnStatus(const ObjectID& id, const std::string& address, const grpc::Status& s,
                               const rpc::GetObjectStatusReply& reply) {
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
    locations_[id].assign(reply.locations().begin(), reply.locations().end());
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
    rpc::CoreWorkerService::Stub* stub = &deps_.owners.For(HostPort(owner));
    auto request = std::make_shared<rpc::AddObjectLocationRequest>();
    request->set_object_id(id.Binary());
    request->set_node_id(deps_.self.node_id.Binary());
    rpc::RetryPolicy policy;
    policy.max_attempts = 2;
    rpc::CallAsync<rpc::AddObjectLocationReply>(
        deps_.loop, "CoreWorker.ReportCopyDone", deps_.self.token, policy,
        [stub, request](grpc::ClientContext* ctx, rpc::AddObjectLocationReply* reply, auto on_done) {
          stub->async()->AddObjectLocation(ctx, request.get(), reply, std::move(on_done));
        },
        [](grpc::Status, rpc::AddObjectLocationReply) {});
  });
}

void BorrowedObjects::MarkReported(const ObjectID& id) {
  absl::MutexLock lock(&mu_);
  reported_.insert(id);
}

void BorrowedObjects::Forget(const ObjectID& id) {
  absl::MutexLock lock(&mu_);
  status_requested_.erase(id);
  locations_.erase(id);
}

void BorrowedObjects::EndBorrow(const ObjectID& id, const Reference& ref) {
  {
    absl::MutexLock lock(&mu_);
    if (reported_.erase(id) == 0) return;  // the owner never counted us
  }
  rpc::CoreWorkerService::Stub* stub = &deps_.owners.For(HostPort(ref.owner));
  auto request = std::make_shared<rpc::RemoveBorrowerRequest>();
  request->add_object_ids(id.Binary());
  *request->mutable_borrower() = deps_.self.address;
  rpc::RetryPolicy policy;
  policy.max_attempts = 2;
  rpc::CallAsync<rpc::RemoveBorrowerReply>(
      deps_.loop, "CoreWorker.RemoveBorrowerDone", deps_.self.token, policy,
      [stub, request](grpc::ClientContext* ctx, rpc::RemoveBorrowerReply* reply, auto on_done) {
        stub->async()->RemoveBorrower(ctx, request.get(), reply, std::move(on_done));
      },
      [](grpc::Status, rpc::RemoveBorrowerReply) {});
}

}  // namespace core
}  // namespace photon
