#include "core/core_worker/cluster_calls.h"

#include "core/core_worker/errors.h"

namespace photon {
namespace core {

absl::StatusOr<std::vector<rpc::GcsNodeInfo>> ClusterCalls::Nodes() {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.GetAllNodes();
}

absl::StatusOr<std::vector<rpc::JobTableData>> ClusterCalls::Jobs() {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.GetAllJobs();
}

absl::StatusOr<std::vector<rpc::ResourceUsage>> ClusterCalls::ResourceUsage() {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.GetAllResourceUsage();
}

absl::Status ClusterCalls::AddFunction(const std::string& function_id, const std::string& blob) {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.AddFunction(deps_.self.job, function_id, blob);
}

absl::StatusOr<std::string> ClusterCalls::GetFunction(const JobID& job, const std::string& function_id) {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.GetFunction(job.IsNil() ? deps_.self.job : job, function_id);
}

absl::StatusOr<bool> ClusterCalls::KvPut(const std::string& ns, const std::string& key, const std::string& value,
                                         bool overwrite) {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.KvPut(ns, key, value, overwrite);
}

absl::StatusOr<std::string> ClusterCalls::KvGet(const std::string& ns, const std::string& key) {
  if (deps_.shut_down) return ShutDownError();
  return deps_.gcs.KvGet(ns, key);
}

}  // namespace core
}  // namespace photon
