#include "gcs/kv_manager.h"

#include "core/common/status_macros.h"

namespace photon {
namespace gcs {
namespace {

absl::Status CheckKey(const std::string& key) {
  if (key.empty()) return absl::InvalidArgumentError("internal KV: the key is empty");
  return absl::OkStatus();
}

std::string Printable(const std::string& key) {
  std::string out;
  for (char c : key.substr(0, 64)) out += (c >= 32 && c < 127) ? c : '?';
  return key.size() > 64 ? out + "..." : out;
}

}  // namespace

absl::StatusOr<std::string> KvManager::Get(const std::string& ns, const std::string& key) {
  RETURN_IF_ERROR(CheckKey(key));
  ASSIGN_OR_RETURN(std::optional<std::string> value, store_.Get(Table(ns), key));
  if (!value.has_value()) {
    return absl::NotFoundError("internal KV: key '" + Printable(key) + "' not found in namespace '" +
                               ns + "'");
  }
  return *std::move(value);
}

absl::StatusOr<std::map<std::string, std::string>> KvManager::MultiGet(
    const std::string& ns, const std::vector<std::string>& keys) {
  for (const std::string& key : keys) RETURN_IF_ERROR(CheckKey(key));
  return store_.MultiGet(Table(ns), keys);
}

absl::StatusOr<bool> KvManager::Put(const std::string& ns, const std::string& key,
                                    const std::string& value, bool overwrite) {
  RETURN_IF_ERROR(CheckKey(key));
  if (!overwrite) return store_.PutIfAbsent(Table(ns), key, value);
  return store_.Put(Table(ns), key, value);
}

absl::StatusOr<int64_t> KvManager::Del(const std::string& ns, const std::string& key,
                                       bool by_prefix) {
  if (!by_prefix) {
    RETURN_IF_ERROR(CheckKey(key));
    return store_.Delete(Table(ns), {key});
  }
  ASSIGN_OR_RETURN(std::vector<std::string> keys, store_.Keys(Table(ns), key));
  if (keys.empty()) return 0;
  return store_.Delete(Table(ns), keys);
}

absl::StatusOr<bool> KvManager::Exists(const std::string& ns, const std::string& key) {
  RETURN_IF_ERROR(CheckKey(key));
  return store_.Exists(Table(ns), key);
}

absl::StatusOr<std::vector<std::string>> KvManager::Keys(const std::string& ns,
                                                         const std::string& prefix) {
  return store_.Keys(Table(ns), prefix);
}

}  // namespace gcs
}  // namespace photon
