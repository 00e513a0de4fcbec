#include "core/api/function_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/logging.h"

namespace photon {

FunctionRegistry& FunctionRegistry::Global() {
  // Leaked on purpose: static destructors may still look functions up.
  static FunctionRegistry* registry = new FunctionRegistry();
  return *registry;
}

absl::Status FunctionRegistry::Add(Entry entry) {
  PHOTON_CHECK(!entry.name.empty()) << "a remote function needs a name";
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(entry.name);
  if (it != by_name_.end()) {
    if (it->second->address == entry.address && it->second->method_key == entry.method_key) return absl::OkStatus();
    return absl::AlreadyExistsError(
        absl::StrCat("remote function name \"", entry.name,
                     "\" is registered twice, for two different functions"));
  }
  if (entry.method_key.empty()) {
    by_address_.emplace(entry.address, entry.name);  // Keeps an earlier name.
  } else {
    by_method_key_.emplace(entry.method_key, entry.name);
  }
  std::string name = entry.name;
  by_name_.emplace(std::move(name), std::make_unique<const Entry>(std::move(entry)));
  return absl::OkStatus();
}

const FunctionRegistry::Entry* FunctionRegistry::Find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

std::optional<std::string> FunctionRegistry::NameOfMethodKey(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_method_key_.find(key);
  if (it == by_method_key_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> FunctionRegistry::NameOfAddress(const void* address) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_address_.find(address);
  if (it == by_address_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FunctionRegistry::Names() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  names.reserve(by_name_.size());
  for (const auto& [name, entry] : by_name_) names.push_back(name);
  return names;
}

namespace api_internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string Trim(const std::string& s) {
  std::size_t begin = 0;
  std::size_t end = s.size();
  while (begin < end && IsSpace(s[begin])) ++begin;
  while (end > begin && IsSpace(s[end - 1])) --end;
  if (begin < end && s[begin] == '&') {
    ++begin;
    while (begin < end && IsSpace(s[begin])) ++begin;
  }
  return s.substr(begin, end - begin);
}

}  // namespace

std::vector<std::string> SplitRemoteNames(const char* names) {
  std::vector<std::string> out;
  std::string current;
  int depth = 0;  // Inside <...> or (...), a comma does not separate names.
  for (const char* p = names; *p != '\0'; ++p) {
    char c = *p;
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(Trim(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  out.push_back(Trim(current));
  return out;
}

void DieUnlessOk(const absl::Status& status, const char* file, int line) {
  if (status.ok()) return;
  PHOTON_LOG(FATAL) << "PHOTON_REMOTE at " << file << ":" << line << ": " << status.message();
}

void CheckNameCount(const std::vector<std::string>& names, std::size_t count,
                    const char* stringized, const char* file, int line) {
  if (names.size() == count) return;
  PHOTON_LOG(FATAL) << "PHOTON_REMOTE at " << file << ":" << line << ": cannot split \""
                    << stringized << "\" into " << count << " function names (got \""
                    << absl::StrJoin(names, "\", \"") << "\")";
}

}  // namespace api_internal
}  // namespace photon
