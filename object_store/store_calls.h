#pragma once

// Blocking calls into the store for in-process threads (the object manager's
// transfer threads): each runs one LocalStore operation on the store loop and
// waits for its answer.
//
//   absl::StatusOr<int64_t> offset = CreateOnLoop(server, client, args);
//
// Thread-safe; never call from the store loop itself (it would wait forever).

#include <vector>

#include "object_store/store_server.h"

namespace photon {
namespace object_store {

absl::StatusOr<int64_t> CreateOnLoop(StoreServer& server, ClientId client, const LocalStore::CreateArgs& args);
std::vector<LocalStore::GetResult> GetOnLoop(StoreServer& server, ClientId client,
                                             const std::vector<ObjectID>& ids, int64_t timeout_ms);
// Runs `op(store)` on the loop and returns its status.
absl::Status RunOnLoop(StoreServer& server, const char* name, std::function<absl::Status(LocalStore&)> op);
bool ContainsOnLoop(StoreServer& server, const ObjectID& id);

}  // namespace object_store
}  // namespace photon
