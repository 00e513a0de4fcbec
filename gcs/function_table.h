#pragma once

// FunctionTable: pickled functions and classes (or any blob a job needs its
// workers to fetch), keyed by job and a caller-chosen function ID.
//
//   RETURN_IF_ERROR(functions.Add(job, "f:3a9c...", pickled));
//   ASSIGN_OR_RETURN(std::string blob, functions.Get(job, "f:3a9c..."));
//
// Adding the same ID twice keeps the first blob (IDs are content hashes).
// Runs only on the GCS loop.

#include <string>

#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "gcs/store/store_client.h"

namespace photon {
namespace gcs {

class FunctionTable {
 public:
  explicit FunctionTable(StoreClient& store) : store_(store) {}

  absl::Status Add(const JobID& job, const std::string& function_id, const std::string& blob);
  // NotFound names the job and function.
  absl::StatusOr<std::string> Get(const JobID& job, const std::string& function_id);

 private:
  StoreClient& store_;
};

}  // namespace gcs
}  // namespace photon
