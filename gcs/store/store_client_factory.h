#pragma once

// MakeStoreClient: picks the GCS storage backend from a flag value.
//
// The GCS takes one `--storage` string and calls this once at startup:
//   ""  or "memory"       InMemoryStoreClient (state dies with the GCS)
//   "redis://HOST:PORT"   RedisStoreClient connected to HOST:PORT; fails
//                         with Unavailable when Redis cannot be reached
//                         ("[::1]" brackets are accepted for IPv6 hosts)
// Anything else is InvalidArgument naming the bad value and the accepted forms.
//
//   absl::StatusOr<std::unique_ptr<StoreClient>> store = MakeStoreClient(flags.storage);
//   if (!store.ok()) return store.status();

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gcs/store/store_client.h"

namespace photon {
namespace gcs {

absl::StatusOr<std::unique_ptr<StoreClient>> MakeStoreClient(const std::string& storage);

}  // namespace gcs
}  // namespace photon
