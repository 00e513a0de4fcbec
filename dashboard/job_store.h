#pragma once

// JobStore: submitted jobs' JobInfo in the GCS's internal KV (namespace
// "job", key "info/<submission id>", JSON), the one place the dashboard and
// the job supervisors keep job state. The GCS keeps the KV in Redis when it
// runs on Redis, so jobs outlive the dashboard and, with Redis, the head.
//
// Who writes: the dashboard creates a job (PENDING) and deletes terminal
// ones; from then on only the job's supervisor updates it, so no two
// writers race. (The dashboard marks a job FAILED only when its supervisor
// is gone, after reading it again.)
//
//   JobStore jobs(gcs);
//   RETURN_IF_ERROR(jobs.Create(JobInfo::Pending(request, now)));  // AlreadyExists if taken
//   ASSIGN_OR_RETURN(JobInfo job, jobs.Get("raysubmit_..."));
//
// Thread-safe (the GcsClient is).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dashboard/job_info.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace dashboard {

class JobStore {
 public:
  explicit JobStore(gcs::GcsClient& gcs) : gcs_(gcs) {}

  // AlreadyExists naming the id when a job has it.
  absl::Status Create(const JobInfo& job);
  absl::Status Put(const JobInfo& job);
  // NotFound naming the id.
  absl::StatusOr<JobInfo> Get(const std::string& submission_id);
  // Every job, oldest first.
  absl::StatusOr<std::vector<JobInfo>> List();
  absl::Status Delete(const std::string& submission_id);

 private:
  gcs::GcsClient& gcs_;
};

}  // namespace dashboard
}  // namespace photon
