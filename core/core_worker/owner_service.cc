#include "core/core_worker/owner_service.h"

#include "core/common/logging.h"
#include "core/common/status_macros.h"

namespace photon {
namespace core {
namespace {

absl::Status Starting() { return absl::UnavailableError("the owner is still starting"); }

}  // namespace

OwnerService::~OwnerService() { delete tables_.load(); }

void OwnerService::Serve(Tables tables) { tables_.store(new Tables(tables)); }

grpc::ServerUnaryReactor* OwnerService::GetObjectStatus(grpc::CallbackServerContext* ctx,
                                                        const rpc::GetObjectStatusRequest* req,
                                                        rpc::GetObjectStatusReply* reply) {
  return rpc::ServeOnLoop(
      server_, "Owner.GetObjectStatus", ctx, req, reply,
      [this](const rpc::GetObjectStatusRequest& r, rpc::GetObjectStatusReply* out, rpc::ReplyFn done) {
        AnswerStatus(r, out, std::move(done));
      });
}

void OwnerService::AnswerStatus(const rpc::GetObjectStatusRequest& request, rpc::GetObjectStatusReply* reply,
                                rpc::ReplyFn done) {
  Tables* t = tables_.load();
  if (t == nullptr) return done(rpc::ToGrpcStatus(Starting()));
  absl::StatusOr<ObjectID> id = ObjectID::FromBinary(request.object_id());
  if (!id.ok()) return done(rpc::ToGrpcStatus(id.status()));
  if (!t->refs.IsOwned(*id)) {
    reply->set_status(rpc::GetObjectStatusReply::FREED);
    return done(grpc::Status::OK);
  }
  // Answered once the value is there (a task's result may still be coming).
  const ObjectID object = *id;
  t->memory_store.GetAsync(object, [t, object, reply, done](std::shared_ptr<const StoredObject> v) {
    reply->set_status(rpc::GetObjectStatusReply::READY);
    reply->set_data(v->data);
    reply->set_metadata(v->metadata);
    reply->set_in_object_store(v->in_object_store);
    if (v->in_object_store) {
      for (const NodeID& node : t->refs.Locations(object)) {
        rpc::ObjectLocation* loc = reply->add_locations();
        loc->set_node_id(node.Binary());
        loc->set_object_manager_address(t->nodes.ObjectManagerAddress(node));
      }
    }
    done(grpc::Status::OK);
  });
}

grpc::ServerUnaryReactor* OwnerService::AddObjectLocation(grpc::CallbackServerContext* ctx,
                                                          const rpc::AddObjectLocationRequest* req,
                                                          rpc::AddObjectLocationReply* reply) {
  return rpc::ServeSync(server_, "Owner.AddObjectLocation", ctx, req, reply,
                        [this](const rpc::AddObjectLocationRequest& r, rpc::AddObjectLocationReply*) {
                          return AddLocation(r);
                        });
}

absl::Status OwnerService::AddLocation(const rpc::AddObjectLocationRequest& request) {
  Tables* t = tables_.load();
  if (t == nullptr) return Starting();
  absl::StatusOr<ObjectID> id = ObjectID::FromBinary(request.object_id());
  if (!id.ok()) return id.status();
  absl::StatusOr<NodeID> node = NodeID::FromBinary(request.node_id());
  if (!node.ok()) return node.status();
  // An object freed meanwhile: drop the new copy at once.
  if (!t->refs.IsOwned(*id)) return absl::OkStatus();
  return t->refs.AddLocation(*id, *node);
}

grpc::ServerUnaryReactor* OwnerService::AddBorrower(grpc::CallbackServerContext* ctx,
                                                    const rpc::AddBorrowerRequest* req, rpc::AddBorrowerReply* reply) {
  return rpc::ServeSync(server_, "Owner.AddBorrower", ctx, req, reply,
                        [this](const rpc::AddBorrowerRequest& r, rpc::AddBorrowerReply* out) {
                          return AddBorrowers(r, out);
                        });
}

absl::Status OwnerService::AddBorrowers(const rpc::AddBorrowerRequest& request, rpc::AddBorrowerReply* reply) {
  Tables* t = tables_.load();
  if (t == nullptr) return Starting();
  if (request.borrower().worker_id().empty()) return absl::InvalidArgumentError("AddBorrower: no borrower named");
  for (const std::string& b : request.object_ids()) {
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(b);
    if (!id.ok()) return id.status();
    if (!t->refs.IsOwned(*id) || !t->refs.AddBorrower(*id, request.borrower()).ok()) {
      reply->add_freed_object_ids(b);
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* OwnerService::RemoveBorrower(grpc::CallbackServerContext* ctx,
                                                       const rpc::RemoveBorrowerRequest* req,
                                                       rpc::RemoveBorrowerReply* reply) {
  return rpc::ServeSync(server_, "Owner.RemoveBorrower", ctx, req, reply,
                        [this](const rpc::RemoveBorrowerRequest& r, rpc::RemoveBorrowerReply*) {
                          return RemoveBorrowers(r);
                        });
}

absl::Status OwnerService::RemoveBorrowers(const rpc::RemoveBorrowerRequest& request) {
  Tables* t = tables_.load();
  if (t == nullptr) return Starting();
  for (const std::string& b : request.object_ids()) {
    absl::StatusOr<ObjectID> id = ObjectID::FromBinary(b);
    if (!id.ok()) return id.status();
    absl::Status s = t->refs.RemoveBorrower(*id, request.borrower());
    if (!s.ok()) PHOTON_LOG(DEBUG) << "RemoveBorrower: " << s;
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* OwnerService::CancelChildren(grpc::CallbackServerContext* ctx,
                                                       const rpc::CancelChildrenRequest* req,
                                                       rpc::CancelChildrenReply* reply) {
  return rpc::ServeSync(server_, "Owner.CancelChildren", ctx, req, reply,
                        [this](const rpc::CancelChildrenRequest& r, rpc::CancelChildrenReply*) -> absl::Status {
                          Tables* t = tables_.load();
                          if (t == nullptr) return Starting();
                          ASSIGN_OR_RETURN(TaskID parent, TaskID::FromBinary(r.parent_task_id()));
                          t->cancel_children(parent);
                          return absl::OkStatus();
                        });
}

}  // namespace core
}  // namespace photon
