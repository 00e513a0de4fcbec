#include "core/core_worker/owner_service.h"

#include "core/common/logging.h"
#include "core/core_worker/core_worker.h"
#include "core/core_worker/node_directory.h"

namespace photon {
namespace core {

grpc::ServerUnaryReactor* OwnerService::GetObjectStatus(grpc::CallbackServerContext* ctx,
                                                        const rpc::GetObjectStatusRequest* req,
                                                        rpc::GetObjectStatusReply* reply) {
  return rpc::ServeOnLoop(
      server_, "Owner.GetObjectStatus", ctx, req, reply,
      [this](const rpc::GetObjectStatusRequest& r, rpc::GetObjectStatusReply* out, rpc::ReplyFn done) {
        absl::StatusOr<ObjectID> id = ObjectID::FromBinary(r.object_id());
        if (!id.ok()) return done(rpc::ToGrpcStatus(id.status()));
        if (!worker_.refs_->IsOwned(*id)) {
          out->set_status(rpc::GetObjectStatusReply::FREED);
          return done(grpc::Status::OK);
        }
        CoreWorker* w = &worker_;
        const ObjectID object = *id;
        worker_.memory_store_.GetAsync(object, [w, object, out, done](std::shared_ptr<const StoredObject> v) {
          out->set_status(rpc::GetObjectStatusReply::READY);
          out->set_data(v->data);
          out->set_metadata(v->metadata);
          out->set_in_object_store(v->in_object_store);
          if (v->in_object_store) {
            for (const NodeID& node : w->refs_->Locations(object)) {
              rpc::ObjectLocation* loc = out->add_locations();
              loc->set_node_id(node.Binary());
              loc->set_object_manager_address(w->nodes_->ObjectManagerAddress(node));
            }
          }
          done(grpc::Status::OK);
        });
      });
}

grpc::ServerUnaryReactor* OwnerService::AddObjectLocation(grpc::CallbackServerContext* ctx,
                                                          const rpc::AddObjectLocationRequest* req,
                                                          rpc::AddObjectLocationReply* reply) {
  return rpc::ServeSync(server_, "Owner.AddObjectLocation", ctx, req, reply,
                        [this](const rpc::AddObjectLocationRequest& r, rpc::AddObjectLocationReply*) -> absl::Status {
                          absl::StatusOr<ObjectID> id = ObjectID::FromBinary(r.object_id());
                          if (!id.ok()) return id.status();
                          absl::StatusOr<NodeID> node = NodeID::FromBinary(r.node_id());
                          if (!node.ok()) return node.status();
                          // An object freed meanwhile: drop the new copy at once.
                          if (!worker_.refs_->IsOwned(*id)) return absl::OkStatus();
                          return worker_.refs_->AddLocation(*id, *node);
                        });
}

grpc::ServerUnaryReactor* OwnerService::RemoveBorrower(grpc::CallbackServerContext* ctx,
                                                       const rpc::RemoveBorrowerRequest* req,
                                                       rpc::RemoveBorrowerReply* reply) {
  return rpc::ServeSync(server_, "Owner.RemoveBorrower", ctx, req, reply,
                        [this](const rpc::RemoveBorrowerRequest& r, rpc::RemoveBorrowerReply*) -> absl::Status {
                          for (const std::string& b : r.object_ids()) {
                            absl::StatusOr<ObjectID> id = ObjectID::FromBinary(b);
                            if (!id.ok()) return id.status();
                            absl::Status s = worker_.refs_->RemoveBorrower(*id, r.borrower());
                            if (!s.ok()) PHOTON_LOG(DEBUG) << "RemoveBorrower: " << s;
                          }
                          return absl::OkStatus();
                        });
}

}  // namespace core
}  // namespace photon
