#include "object_store/store_calls.h"

#include <future>

namespace photon {
namespace object_store {

absl::StatusOr<int64_t> CreateOnLoop(StoreServer& server, ClientId client, const LocalStore::CreateArgs& args) {
  auto result = std::make_shared<std::promise<absl::StatusOr<int64_t>>>();
  server.loop().Post("ObjectManager.Create", [&server, client, args, result] {
    server.store().Create(client, args, [result](absl::StatusOr<int64_t> offset) { result->set_value(offset); });
  });
  return result->get_future().get();
}

std::vector<LocalStore::GetResult> GetOnLoop(StoreServer& server, ClientId client,
                                             const std::vector<ObjectID>& ids, int64_t timeout_ms) {
  auto result = std::make_shared<std::promise<std::vector<LocalStore::GetResult>>>();
  server.loop().Post("ObjectManager.Get", [&server, client, ids, timeout_ms, result] {
    server.store().Get(client, ids, timeout_ms,
                       [result](std::vector<LocalStore::GetResult> r) { result->set_value(std::move(r)); });
  });
  return result->get_future().get();
}

namespace {
template <typename T>
T OnLoop(StoreServer& server, const char* name, std::function<T(LocalStore&)> op) {
  auto result = std::make_shared<std::promise<T>>();
  server.loop().Post(name, [&server, op = std::move(op), result] { result->set_value(op(server.store())); });
  return result->get_future().get();
}
}  // namespace

absl::Status RunOnLoop(StoreServer& server, const char* name, std::function<absl::Status(LocalStore&)> op) {
  return OnLoop<absl::Status>(server, name, std::move(op));
}

bool ContainsOnLoop(StoreServer& server, const ObjectID& id) {
  return OnLoop<bool>(server, "ObjectManager.Contains", [id](LocalStore& store) { return store.Contains(id); });
}

}  // namespace object_store
}  // namespace photon
