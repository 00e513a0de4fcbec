#pragma once

// StoreClient: the GCS's durable tables, behind one interface.
//
// Every GCS table (nodes, jobs, KV namespaces, functions, counters) is a map
// from binary key to binary value, named by `table`. Two implementations:
//   InMemoryStoreClient  - the default; state dies with the process.
//   RedisStoreClient     - one Redis hash per table, so a GCS killed with
//                          SIGKILL and started again finds every table.
//
//   std::unique_ptr<StoreClient> store = ...;
//   RETURN_IF_ERROR(store->Put("nodes", node.Binary(), info.SerializeAsString()).status());
//   ASSIGN_OR_RETURN(std::optional<std::string> v, store->Get("nodes", key));
//
// Calls are synchronous: the GCS loop owns the client and Redis answers on
// loopback in tens of microseconds. Errors from the backend (Redis gone, a
// reply of the wrong type) come back as Unavailable/Internal with the reason.
// Implementations are thread-compatible: one thread (the GCS loop) at a time.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace photon {
namespace gcs {

class StoreClient {
 public:
  virtual ~StoreClient() = default;

  // Sets `key` to `value`, replacing any old value; returns true when the
  // key did not exist before (one storage call answers both).
  virtual absl::StatusOr<bool> Put(const std::string& table, const std::string& key,
                           const std::string& value) = 0;

  // Sets `key` only when it is absent; returns true when it was set.
  virtual absl::StatusOr<bool> PutIfAbsent(const std::string& table, const std::string& key,
                                           const std::string& value) = 0;

  // The value, or nullopt when `key` is absent.
  virtual absl::StatusOr<std::optional<std::string>> Get(const std::string& table,
                                                         const std::string& key) = 0;

  // The values of those `keys` that exist.
  virtual absl::StatusOr<std::map<std::string, std::string>> MultiGet(
      const std::string& table, const std::vector<std::string>& keys) = 0;

  // Every entry of `table` (empty when the table does not exist).
  virtual absl::StatusOr<std::map<std::string, std::string>> GetAll(const std::string& table) = 0;

  // Removes `keys`; returns how many existed.
  virtual absl::StatusOr<int64_t> Delete(const std::string& table,
                                         const std::vector<std::string>& keys) = 0;

  virtual absl::StatusOr<bool> Exists(const std::string& table, const std::string& key) = 0;

  // Keys of `table` that start with `prefix` (all keys for an empty prefix), sorted.
  virtual absl::StatusOr<std::vector<std::string>> Keys(const std::string& table,
                                                        const std::string& prefix) = 0;

  // Atomically adds `delta` to the integer stored at `key` (0 when absent)
  // and returns the new value. Used for the job counter.
  virtual absl::StatusOr<int64_t> Increment(const std::string& table, const std::string& key,
                                            int64_t delta) = 0;
};

}  // namespace gcs
}  // namespace photon
