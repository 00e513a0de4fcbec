#pragma once

// InMemoryStoreClient: the default StoreClient, a std::map per table.
//
// State lives in this object and dies with it (and with the GCS process), so
// use it for tests and single-run clusters; RedisStoreClient is the backend
// that survives a GCS restart. Semantics match RedisStoreClient, including
// Increment's decimal-string encoding, so tests can run against either.
//
//   InMemoryStoreClient store;
//   absl::StatusOr<bool> added = store.Put("jobs", "job-1", "payload");
//   absl::StatusOr<int64_t> next = store.Increment("counters", "job", 1);
//
// Thread-compatible: one thread at a time (the GCS loop).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gcs/store/store_client.h"

namespace photon {
namespace gcs {

class InMemoryStoreClient : public StoreClient {
 public:
  InMemoryStoreClient() = default;
  InMemoryStoreClient(const InMemoryStoreClient&) = delete;
  InMemoryStoreClient& operator=(const InMemoryStoreClient&) = delete;

  absl::StatusOr<bool> Put(const std::string& table, const std::string& key,
                   const std::string& value) override;
  absl::StatusOr<bool> PutIfAbsent(const std::string& table, const std::string& key,
                                   const std::string& value) override;
  absl::StatusOr<std::optional<std::string>> Get(const std::string& table,
                                                 const std::string& key) override;
  absl::StatusOr<std::map<std::string, std::string>> MultiGet(
      const std::string& table, const std::vector<std::string>& keys) override;
  absl::StatusOr<std::map<std::string, std::string>> GetAll(const std::string& table) override;
  absl::StatusOr<int64_t> Delete(const std::string& table,
                                 const std::vector<std::string>& keys) override;
  absl::StatusOr<bool> Exists(const std::string& table, const std::string& key) override;
  absl::StatusOr<std::vector<std::string>> Keys(const std::string& table,
                                                const std::string& prefix) override;
  // Like Redis HINCRBY: the stored value must be a decimal int64 (else
  // InvalidArgument), and overflow is an error (OutOfRange), not a wrap.
  absl::StatusOr<int64_t> Increment(const std::string& table, const std::string& key,
                                    int64_t delta) override;

 private:
  using Table = std::map<std::string, std::string>;

  // The table, or nullptr when it has no entries.
  const Table* FindTable(const std::string& table) const;

  // Invariant: no table in the map is empty (Delete erases emptied tables).
  std::map<std::string, Table> tables_;
};

}  // namespace gcs
}  // namespace photon
