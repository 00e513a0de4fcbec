#include "dashboard/job_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace photon {
namespace dashboard {
namespace {

constexpr char kNamespace[] = "job";
constexpr char kPrefix[] = "info/";

std::string Key(const std::string& id) { return absl::StrCat(kPrefix, id); }

absl::StatusOr<JobInfo> Decode(const std::string& id, const std::string& text) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return absl::DataLossError(absl::StrCat("job '", id, "': stored info is not JSON"));
  return JobInfo::FromJson(json);
}

}  // namespace

absl::Status JobStore::Create(const JobInfo& job) {
  absl::StatusOr<bool> added = gcs_.KvPut(kNamespace, Key(job.request.submission_id), job.ToJson().dump(),
                                          /*overwrite=*/false);
  if (!added.ok()) return added.status();
  if (!*added) {
    return absl::AlreadyExistsError(
        absl::StrCat("a job with submission_id '", job.request.submission_id, "' already exists"));
  }
  return absl::OkStatus();
}

absl::Status JobStore::Put(const JobInfo& job) {
  return gcs_.KvPut(kNamespace, Key(job.request.submission_id), job.ToJson().dump(), /*overwrite=*/true).status();
}

absl::StatusOr<JobInfo> JobStore::Get(const std::string& submission_id) {
  absl::StatusOr<std::string> text = gcs_.KvGet(kNamespace, Key(submission_id));
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(absl::StrCat("no job with submission_id '", submission_id, "'"));
  }
  if (!text.ok()) return text.status();
  return Decode(submission_id, *text);
}

absl::StatusOr<std::vector<JobInfo>> JobStore::List() {
  absl::StatusOr<std::vector<std::string>> keys = gcs_.KvKeys(kNamespace, kPrefix);
  if (!keys.ok()) return keys.status();
  absl::StatusOr<std::map<std::string, std::string>> values = gcs_.KvMultiGet(kNamespace, *keys);
  if (!values.ok()) return values.status();
  std::vector<JobInfo> jobs;
  for (const auto& [key, text] : *values) {
    absl::StatusOr<JobInfo> job = Decode(key, text);
    if (job.ok()) jobs.push_back(*std::move(job));
  }
  std::sort(jobs.begin(), jobs.end(), [](const JobInfo& a, const JobInfo& b) {
    return a.start_time_ms != b.start_time_ms ? a.start_time_ms < b.start_time_ms
                                              : a.request.submission_id < b.request.submission_id;
  });
  return jobs;
}

absl::Status JobStore::Delete(const std::string& submission_id) {
  return gcs_.KvDel(kNamespace, Key(submission_id), /*by_prefix=*/false).status();
}

}  // namespace dashboard
}  // namespace photon
