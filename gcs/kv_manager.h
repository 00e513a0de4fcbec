#pragma once

// KvManager: the internal key-value store, with namespaces, that drivers,
// workers and the dashboard share (Ray's `internal_kv`). Keys and values are
// bytes; each namespace is a storage table of its own.
//
//   ASSIGN_OR_RETURN(bool added, kv.Put("jobs", "job:1", data, /*overwrite=*/false));
//   ASSIGN_OR_RETURN(std::string value, kv.Get("jobs", "job:1"));   // NotFound if absent
//
// An empty key is InvalidArgument everywhere (for Keys/Del-by-prefix an empty
// prefix means "every key"). Runs only on the GCS loop.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gcs/store/store_client.h"

namespace photon {
namespace gcs {

class KvManager {
 public:
  explicit KvManager(StoreClient& store) : store_(store) {}

  absl::StatusOr<std::string> Get(const std::string& ns, const std::string& key);
  // Existing keys only.
  absl::StatusOr<std::map<std::string, std::string>> MultiGet(const std::string& ns,
                                                              const std::vector<std::string>& keys);
  // Returns true when the key was new. With overwrite=false an existing value stays.
  absl::StatusOr<bool> Put(const std::string& ns, const std::string& key, const std::string& value,
                           bool overwrite);
  // Returns how many keys were deleted.
  absl::StatusOr<int64_t> Del(const std::string& ns, const std::string& key, bool by_prefix);
  absl::StatusOr<bool> Exists(const std::string& ns, const std::string& key);
  absl::StatusOr<std::vector<std::string>> Keys(const std::string& ns, const std::string& prefix);

 private:
  static std::string Table(const std::string& ns) { return "kv:" + ns; }
  StoreClient& store_;
};

}  // namespace gcs
}  // namespace photon
