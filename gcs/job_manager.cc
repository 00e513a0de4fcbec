#include "gcs/job_manager.h"

#include "core/common/logging.h"
#include "core/common/status_macros.h"

namespace photon {
namespace gcs {
namespace {
constexpr char kJobTable[] = "jobs";
constexpr char kCounterTable[] = "counters";
constexpr char kJobCounter[] = "job";
}  // namespace

JobManager::JobManager(StoreClient& store, Publisher& publisher, Clock clock)
    : store_(store), publisher_(publisher), clock_(std::move(clock)) {}

void JobManager::PublishJob(const rpc::JobTableData& job) {
  rpc::PubMessage message;
  message.set_channel(rpc::JOB);
  *message.mutable_job() = job;
  publisher_.Publish(std::move(message));
}

absl::StatusOr<JobID> JobManager::AddJob(rpc::JobTableData job) {
  ASSIGN_OR_RETURN(int64_t next, store_.Increment(kCounterTable, kJobCounter, 1));
  if (next <= 0 || next > 0xffffffffLL) {
    return absl::ResourceExhaustedError("job counter out of range: " + std::to_string(next));
  }
  JobID id = JobID::FromInt(static_cast<uint32_t>(next));
  job.set_job_id(id.Binary());
  job.set_is_dead(false);
  job.set_start_time_ms(clock_());
  job.set_end_time_ms(0);
  RETURN_IF_ERROR(store_.Put(kJobTable, id.Binary(), job.SerializeAsString()).status());
  PHOTON_LOG(INFO) << "job " << id.Hex() << " started: " << job.entrypoint();
  PublishJob(job);
  return id;
}

absl::Status JobManager::MarkFinished(const JobID& job_id, const std::string& reason) {
  ASSIGN_OR_RETURN(std::optional<std::string> row, store_.Get(kJobTable, job_id.Binary()));
  if (!row.has_value()) return absl::NotFoundError("unknown job " + job_id.Hex());
  rpc::JobTableData job;
  if (!job.ParseFromString(*row)) return absl::DataLossError("job " + job_id.Hex() + ": corrupt row");
  if (job.is_dead()) return absl::OkStatus();
  job.set_is_dead(true);
  job.set_end_time_ms(clock_());
  job.set_end_reason(reason);
  RETURN_IF_ERROR(store_.Put(kJobTable, job_id.Binary(), job.SerializeAsString()).status());
  PHOTON_LOG(INFO) << "job " << job_id.Hex() << " finished" << (reason.empty() ? "" : ": ") << reason;
  PublishJob(job);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<rpc::JobTableData>> JobManager::All() const {
  ASSIGN_OR_RETURN(auto rows, store_.GetAll(kJobTable));
  std::vector<rpc::JobTableData> jobs;
  for (const auto& [key, value] : rows) {
    rpc::JobTableData job;
    if (job.ParseFromString(value)) jobs.push_back(std::move(job));
  }
  return jobs;
}

std::vector<rpc::PubMessage> JobManager::Snapshot() const {
  std::vector<rpc::PubMessage> messages;
  absl::StatusOr<std::vector<rpc::JobTableData>> jobs = All();
  if (!jobs.ok()) {
    PHOTON_LOG(ERROR) << "job snapshot failed: " << jobs.status();
    return messages;
  }
  for (rpc::JobTableData& job : *jobs) {
    rpc::PubMessage m;
    m.set_channel(rpc::JOB);
    *m.mutable_job() = std::move(job);
    messages.push_back(std::move(m));
  }
  return messages;
}

}  // namespace gcs
}  // namespace photon
