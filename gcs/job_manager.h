#pragma once

// JobManager: the job table. Hands out job IDs from a counter kept in
// storage (so IDs never repeat across a GCS restart on Redis), records when
// jobs start and finish, and publishes both on the JOB channel.
//
//   ASSIGN_OR_RETURN(JobID job, jobs.AddJob(data));
//   RETURN_IF_ERROR(jobs.MarkFinished(job));
//
// Runs only on the GCS loop.

#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/common/id.h"
#include "gcs/publisher.h"
#include "gcs/store/store_client.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {

class JobManager {
 public:
  using Clock = std::function<int64_t()>;  // ms since the epoch

  JobManager(StoreClient& store, Publisher& publisher, Clock clock);

  // Assigns the next JobID (ignoring job.job_id) and records the job as running.
  absl::StatusOr<JobID> AddJob(rpc::JobTableData job);
  // NotFound for an unknown job; finishing a finished job is OK.
  // `reason` (JobTableData.end_reason) is for an end the driver did not ask for.
  absl::Status MarkFinished(const JobID& job_id, const std::string& reason = "");
  absl::StatusOr<std::vector<rpc::JobTableData>> All() const;
  std::vector<rpc::PubMessage> Snapshot() const;

 private:
  void PublishJob(const rpc::JobTableData& job);

  StoreClient& store_;
  Publisher& publisher_;
  Clock clock_;
};

}  // namespace gcs
}  // namespace photon
