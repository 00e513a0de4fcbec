#include "gcs/store/in_memory_store_client.h"

#include <charconv>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace photon {
namespace gcs {

const InMemoryStoreClient::Table* InMemoryStoreClient::FindTable(const std::string& table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? nullptr : &it->second;
}

absl::StatusOr<bool> InMemoryStoreClient::Put(const std::string& table, const std::string& key,
                                              const std::string& value) {
  auto [it, added] = tables_[table].insert_or_assign(key, value);
  return added;
}

absl::StatusOr<bool> InMemoryStoreClient::PutIfAbsent(const std::string& table,
                                                      const std::string& key,
                                                      const std::string& value) {
  return tables_[table].emplace(key, value).second;
}

absl::StatusOr<std::optional<std::string>> InMemoryStoreClient::Get(const std::string& table,
                                                                    const std::string& key) {
  const Table* entries = FindTable(table);
  if (entries == nullptr) return std::optional<std::string>();
  auto it = entries->find(key);
  if (it == entries->end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::StatusOr<std::map<std::string, std::string>> InMemoryStoreClient::MultiGet(
    const std::string& table, const std::vector<std::string>& keys) {
  std::map<std::string, std::string> found;
  const Table* entries = FindTable(table);
  if (entries == nullptr) return found;
  for (const std::string& key : keys) {
    auto it = entries->find(key);
    if (it != entries->end()) found.emplace(key, it->second);
  }
  return found;
}

absl::StatusOr<std::map<std::string, std::string>> InMemoryStoreClient::GetAll(
    const std::string& table) {
  const Table* entries = FindTable(table);
  if (entries == nullptr) return std::map<std::string, std::string>();
  return *entries;
}

absl::StatusOr<int64_t> InMemoryStoreClient::Delete(const std::string& table,
                                                    const std::vector<std::string>& keys) {
  auto it = tables_.find(table);
  if (it == tables_.end()) return 0;
  int64_t removed = 0;
  for (const std::string& key : keys) removed += it->second.erase(key);
  if (it->second.empty()) tables_.erase(it);
  return removed;
}

absl::StatusOr<bool> InMemoryStoreClient::Exists(const std::string& table, const std::string& key) {
  const Table* entries = FindTable(table);
  return entries != nullptr && entries->count(key) > 0;
}

absl::StatusOr<std::vector<std::string>> InMemoryStoreClient::Keys(const std::string& table,
                                                                   const std::string& prefix) {
  std::vector<std::string> keys;
  const Table* entries = FindTable(table);
  if (entries == nullptr) return keys;
  // std::map orders keys bytewise (unsigned), so the matches are one sorted run.
  for (auto it = entries->lower_bound(prefix);
       it != entries->end() && absl::StartsWith(it->first, prefix); ++it) {
    keys.push_back(it->first);
  }
  return keys;
}

absl::StatusOr<int64_t> InMemoryStoreClient::Increment(const std::string& table,
                                                       const std::string& key, int64_t delta) {
  std::string& stored = tables_[table][key];  // Creates "" for a new key.
  int64_t current = 0;
  if (!stored.empty()) {
    const char* end = stored.data() + stored.size();
    auto [ptr, ec] = std::from_chars(stored.data(), end, current);
    if (ec != std::errc() || ptr != end) {
      return absl::InvalidArgumentError(absl::StrCat("cannot increment key in table ", table,
                                                     ": value \"", stored, "\" is not an int64"));
    }
  }
  int64_t next = 0;
  if (__builtin_add_overflow(current, delta, &next)) {
    return absl::OutOfRangeError(absl::StrCat("incrementing ", current, " by ", delta, " in table ",
                                              table, " would overflow int64"));
  }
  stored = absl::StrCat(next);
  return next;
}

}  // namespace gcs
}  // namespace photon
