#pragma once

// PackageStore: working_dir packages (zip files) in the GCS's internal KV,
// under Ray's names: a client uploads `gcs://_ray_pkg_<hash>.zip` with
// PUT /api/packages/gcs/_ray_pkg_<hash>.zip, then names that URI as the
// job's runtime_env.working_dir; the job's supervisor fetches and unpacks it.
// Kept in namespace "package" (in Redis when the GCS is), one value each.
//
//   PackageStore packages(gcs);
//   RETURN_IF_ERROR(packages.Put("gcs", "_ray_pkg_ab12.zip", bytes));
//   ASSIGN_OR_RETURN(std::string name, PackageStore::NameOfUri("gcs://_ray_pkg_ab12.zip"));
//
// Thread-safe (the GcsClient is).

#include <string>

#include "absl/status/statusor.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace dashboard {

class PackageStore {
 public:
  explicit PackageStore(gcs::GcsClient& gcs) : gcs_(gcs) {}

  // InvalidArgument unless protocol is "gcs" and the name is a plain file
  // name ending in ".zip".
  static absl::Status CheckName(const std::string& protocol, const std::string& name);
  // "gcs://NAME" -> NAME, checked.
  static absl::StatusOr<std::string> NameOfUri(const std::string& uri);

  absl::StatusOr<bool> Exists(const std::string& protocol, const std::string& name);
  // NotFound naming the URI.
  absl::StatusOr<std::string> Get(const std::string& protocol, const std::string& name);
  absl::Status Put(const std::string& protocol, const std::string& name, const std::string& bytes);

 private:
  gcs::GcsClient& gcs_;
};

}  // namespace dashboard
}  // namespace photon
