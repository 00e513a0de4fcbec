#pragma once

// Ray's JobDetails for the job API: every submitted job (JobInfo, from the
// KV) and every plain driver (`photon.init()` in a script, from the GCS job
// table), joined: a submitted job's entrypoint sets PHOTON_JOB_SUBMISSION_ID,
// so its driver's job-table entry names the submission
// (metadata["job_submission_id"]) and lends it job_id and driver_info.
//
//   std::vector<Json> all = JobDetailsOf(submitted, table);  // oldest first
//   std::optional<Json> one = FindJobDetails(all, "raysubmit_...");
//
// Thread-safe (no state).

#include <optional>
#include <string>
#include <vector>

#include "dashboard/job_info.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace dashboard {

// Submitted jobs (type SUBMISSION) and drivers of no submission (type
// DRIVER), by start time.
std::vector<Json> JobDetailsOf(const std::vector<JobInfo>& submitted, const std::vector<rpc::JobTableData>& table);

// By submission id, or by driver job id (hex).
std::optional<Json> FindJobDetails(const std::vector<Json>& jobs, const std::string& id);

}  // namespace dashboard
}  // namespace photon
