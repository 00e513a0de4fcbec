#include "core/api/object_ref.h"

#include "core/api/exceptions.h"
#include "core/api/runtime.h"
#include "core/core_worker/core_worker.h"

namespace photon {
namespace api_internal {
namespace {
thread_local RefCollector* active_collector = nullptr;
}  // namespace

RefCollector::RefCollector() : previous_(active_collector) { active_collector = this; }
RefCollector::~RefCollector() { active_collector = previous_; }

void RefCollector::Note(const ObjectID& id) {
  if (active_collector != nullptr && !id.IsNil()) active_collector->ids_.push_back(id);
}

void AddRef(const ObjectID& id) {
  if (core::CoreWorker* w = WorkerOrNull()) w->objects().AddLocalReference(id);
}

void RemoveRef(const ObjectID& id) {
  if (core::CoreWorker* w = WorkerOrNull()) w->objects().RemoveLocalReference(id);
}

std::string OwnerOf(const ObjectID& id) {
  std::optional<rpc::Address> owner = Worker().objects().OwnerOf(id);
  if (!owner) throw Error("cannot pass object " + id.Hex() + ": it is not known to this process");
  return owner->SerializeAsString();
}

void Borrow(const ObjectID& id, const std::string& owner) {
  rpc::Address address;
  if (!address.ParseFromString(owner)) throw Error("object " + id.Hex() + " arrived with a malformed owner address");
  Worker().objects().AddBorrowedReference(id, address);
}

}  // namespace api_internal
}  // namespace photon
