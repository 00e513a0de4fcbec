#pragma once

// StateApi: the cluster's state for the web UI and scripts, in the envelope
// of Ray's state API ({"result": true, "msg": "", "data": {"result":
// {"total", "num_after_truncation", "result": [...]}}}), paginated with
// `limit` (default 100, at most 10,000) and `offset`, so a page costs the
// same with 10 tasks or 100,000:
//
//   GET /api/v0/nodes | actors?state= | tasks?state=&name= | tasks/summarize
//   GET /api/v0/placement_groups | workers?node_id= | logs?node_id=
//   GET /api/logs?node_id=&filename=[&tail_bytes=]   (a file of the node's logs folder)
//
// Task summaries come from the GCS at most once a second however many
// pages are asked for (TaskCache). Log files are read from the node's
// session folder as the head sees it: nodes on this machine (or sharing the
// folder) only; a file name with '/' or '..', or a symlink out of the
// folder, is refused.
//
// Thread-safe.

#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "dashboard/cluster_view.h"
#include "dashboard/http_util.h"
#include "gcs/client/gcs_client.h"

namespace photon {
namespace dashboard {

class StateApi {
 public:
  StateApi(gcs::GcsClient& gcs, ClusterView& view) : gcs_(gcs), view_(view) {}

  // The answer for /api/v0/... and /api/logs; nullopt for other paths.
  std::optional<Response> Handle(const Request& request, const Target& target);

 private:
  absl::StatusOr<Json> Nodes(const Target& target);
  absl::StatusOr<Json> Actors(const Target& target);
  absl::StatusOr<Json> Tasks(const Target& target);
  absl::StatusOr<Json> TaskSummary();
  absl::StatusOr<Json> PlacementGroups(const Target& target);
  absl::StatusOr<Json> Workers(const Target& target);
  absl::StatusOr<Json> LogFiles(const Target& target);
  Response LogFile(const Request& request, const Target& target);

  absl::StatusOr<rpc::GcsNodeInfo> NodeOf(const Target& target);
  // Every task summary the GCS keeps, newest first, at most 1 s old.
  absl::StatusOr<std::shared_ptr<const rpc::GetTaskEventsReply>> AllTasks();

  gcs::GcsClient& gcs_;
  ClusterView& view_;
  absl::Mutex mu_;
  std::shared_ptr<const rpc::GetTaskEventsReply> tasks_ ABSL_GUARDED_BY(mu_);
  int64_t tasks_at_ms_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace dashboard
}  // namespace photon
