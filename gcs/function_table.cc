#include "gcs/function_table.h"

#include "core/common/status_macros.h"

namespace photon {
namespace gcs {
namespace {
constexpr char kTable[] = "functions";
}  // namespace

absl::Status FunctionTable::Add(const JobID& job, const std::string& function_id,
                                const std::string& blob) {
  if (function_id.empty()) return absl::InvalidArgumentError("function table: empty function_id");
  if (blob.empty()) return absl::InvalidArgumentError("function table: empty blob");
  return store_.PutIfAbsent(kTable, job.Binary() + function_id, blob).status();
}

absl::StatusOr<std::string> FunctionTable::Get(const JobID& job, const std::string& function_id) {
  if (function_id.empty()) return absl::InvalidArgumentError("function table: empty function_id");
  ASSIGN_OR_RETURN(std::optional<std::string> blob, store_.Get(kTable, job.Binary() + function_id));
  if (!blob.has_value()) {
    return absl::NotFoundError("function table: no function with id of " +
                               std::to_string(function_id.size()) + " bytes for job " + job.Hex());
  }
  return *std::move(blob);
}

}  // namespace gcs
}  // namespace photon
