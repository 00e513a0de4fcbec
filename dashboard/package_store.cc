#include "dashboard/package_store.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace photon {
namespace dashboard {
namespace {

constexpr char kNamespace[] = "package";

}  // namespace

absl::Status PackageStore::CheckName(const std::string& protocol, const std::string& name) {
  if (protocol != "gcs") {
    return absl::InvalidArgumentError(
        absl::StrCat("package protocol '", protocol, "' is not supported (only gcs://, uploaded to the dashboard)"));
  }
  bool plain = !name.empty() && name.size() <= 200 && absl::EndsWith(name, ".zip") && name[0] != '.';
  for (char c : name) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!plain) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad package name '", name, "': a file name of letters, digits, '_', '-', '.' ending in .zip"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> PackageStore::NameOfUri(const std::string& uri) {
  absl::string_view rest = uri;
  if (!absl::ConsumePrefix(&rest, "gcs://")) {
    return absl::InvalidArgumentError(absl::StrCat("package URI '", uri, "' does not start with gcs://"));
  }
  std::string name(rest);
  if (absl::Status s = CheckName("gcs", name); !s.ok()) return s;
  return name;
}

absl::StatusOr<bool> PackageStore::Exists(const std::string& protocol, const std::string& name) {
  if (absl::Status s = CheckName(protocol, name); !s.ok()) return s;
  return gcs_.KvExists(kNamespace, name);
}

absl::StatusOr<std::string> PackageStore::Get(const std::string& protocol, const std::string& name) {
  if (absl::Status s = CheckName(protocol, name); !s.ok()) return s;
  absl::StatusOr<std::string> bytes = gcs_.KvGet(kNamespace, name);
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("package ", protocol, "://", name, " was never uploaded"));
  }
  return bytes;
}

absl::Status PackageStore::Put(const std::string& protocol, const std::string& name, const std::string& bytes) {
  if (absl::Status s = CheckName(protocol, name); !s.ok()) return s;
  return gcs_.KvPut(kNamespace, name, bytes, /*overwrite=*/true).status();
}

}  // namespace dashboard
}  // namespace photon
