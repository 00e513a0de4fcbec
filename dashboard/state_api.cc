#include "dashboard/state_api.h"

#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/common/wall_clock.h"

namespace photon {
namespace dashboard {
namespace {

constexpr int64_t kMaxLimit = 10000;


std::string Hex(const std::string& binary) { return absl::BytesToHexString(binary); }

Json Amounts(const rpc::ResourceSet& set) {
  Json out = Json::object();
  for (const auto& [name, amount] : set.amounts()) out[name] = amount;
  return out;
}

// One page of `entries`, in Ray's envelope.
Json Page(const Target& target, std::vector<Json> entries) {
  int64_t limit = std::clamp<int64_t>(target.IntParam("limit", 100), 0, kMaxLimit);
  int64_t offset = std::max<int64_t>(target.IntParam("offset", 0), 0);
  int64_t total = static_cast<int64_t>(entries.size());
  std::vector<Json> page;
  for (int64_t i = offset; i < total && i < offset + limit; i++) page.push_back(std::move(entries[i]));
  Json result = {{"total", total}, {"num_after_truncation", page.size()}, {"result", std::move(page)}};
  return {{"result", true}, {"msg", ""}, {"data", {{"result", std::move(result)}}}};
}

Json Envelope(Json result) { return {{"result", true}, {"msg", ""}, {"data", {{"result", std::move(result)}}}}; }

std::string StrategyName(rpc::PlacementStrategy strategy) {
  switch (strategy) {
    case rpc::PACK: return "PACK";
    case rpc::SPREAD_BUNDLES: return "SPREAD";
    case rpc::STRICT_PACK: return "STRICT_PACK";
    case rpc::STRICT_SPREAD: return "STRICT_SPREAD";
    default: return "UNKNOWN";
  }
}

std::string GroupStateName(rpc::PlacementGroupState state) {
  switch (state) {
    case rpc::PG_PENDING: return "PENDING";
    case rpc::PG_CREATED: return "CREATED";
    case rpc::PG_REMOVED: return "REMOVED";
    case rpc::PG_RESCHEDULING: return "RESCHEDULING";
    default: return "UNKNOWN";
  }
}

// "square#5f0a68...", "Counter#e1bb...@00000001" (a function's or class's
// name with the key the function table knows it by) -> "square", "Counter".
std::string DisplayName(const std::string& name) { return name.substr(0, name.find('#')); }

int64_t StateTime(const rpc::TaskSummary& task, rpc::TaskState state) {
  auto it = task.state_times_ms().find(state);
  return it == task.state_times_ms().end() ? 0 : it->second;
}

Json TaskJson(const rpc::TaskSummary& t) {
  int64_t end = std::max(StateTime(t, rpc::FINISHED), StateTime(t, rpc::FAILED));
  return {{"task_id", Hex(t.task_id())},
          {"attempt_number", t.attempt()},
          {"name", DisplayName(t.function_name())},
          {"state", TaskStateName(t.state())},
          {"job_id", Hex(t.job_id())},
          {"node_id", Hex(t.node_id())},
          {"worker_id", Hex(t.worker_id())},
          {"error_message", t.error_message()},
          {"creation_time_ms", StateTime(t, rpc::SUBMITTED)},
          {"start_time_ms", StateTime(t, rpc::RUNNING)},
          {"end_time_ms", end == 0 ? Json() : Json(end)}};
}

}  // namespace

std::optional<Response> StateApi::Handle(const Request& request, const Target& target) {
  const std::string& p = target.path;
  if (p == "/api/logs") return LogFile(request, target);
  if (!absl::StartsWith(p, "/api/v0/")) return std::nullopt;
  absl::StatusOr<Json> body = absl::NotFoundError(absl::StrCat("no such path: ", p));
  if (p == "/api/v0/nodes") body = Nodes(target);
  if (p == "/api/v0/actors") body = Actors(target);
  if (p == "/api/v0/tasks") body = Tasks(target);
  if (p == "/api/v0/tasks/summarize") body = TaskSummary();
  if (p == "/api/v0/placement_groups") body = PlacementGroups(target);
  if (p == "/api/v0/workers") body = Workers(target);
  if (p == "/api/v0/logs") body = LogFiles(target);
  if (!body.ok()) return ErrorResponse(request, body.status());
  return JsonResponse(request, 200, *body);
}

absl::StatusOr<Json> StateApi::Nodes(const Target& target) {
  absl::StatusOr<ClusterSnapshot> snap = view_.Collect();
  if (!snap.ok()) return snap.status();
  std::vector<Json> entries;
  for (const rpc::GcsNodeInfo& node : snap->nodes) {
    auto usage = snap->usage.find(node.node_id());
    auto stats = snap->stats.find(node.node_id());
    bool alive = node.state() == rpc::GcsNodeInfo::ALIVE;
    Json entry = {{"node_id", Hex(node.node_id())},
                  {"node_ip", node.node_ip()},
                  {"hostname", node.hostname()},
                  {"state", alive ? "ALIVE" : "DEAD"},
                  {"is_head_node", node.is_head()},
                  {"start_time_ms", node.start_time_ms()},
                  {"end_time_ms", node.end_time_ms()},
                  {"death_reason", node.death_reason()},
                  {"resources_total", Amounts(node.resources_total())},
                  {"resources_available", usage != snap->usage.end() && alive ? Amounts(usage->second.available())
                                                                              : Json::object()},
                  {"object_store_used_bytes",
                   usage != snap->usage.end() ? usage->second.object_store().used_bytes() : 0},
                  {"object_store_total_bytes",
                   usage != snap->usage.end() ? usage->second.object_store().capacity() : 0},
                  {"metrics_export_port", node.metrics_export_port()}};
    if (stats != snap->stats.end()) {
      const rpc::NodeUsage& u = stats->second.usage();
      entry["cpu_percent"] = u.cpu_percent();
      entry["mem_used_bytes"] = u.mem_used_bytes();
      entry["mem_total_bytes"] = u.mem_total_bytes();
      entry["num_workers"] = stats->second.workers_size();
      entry["num_queued_leases"] = stats->second.num_queued_leases();
    }
    entries.push_back(std::move(entry));
  }
  return Page(target, std::move(entries));
}

absl::StatusOr<Json> StateApi::Actors(const Target& target) {
  absl::StatusOr<std::vector<rpc::ActorTableData>> actors = gcs_.GetAllActorInfo();
  if (!actors.ok()) return actors.status();
  std::string state = target.Param("state");
  std::vector<Json> entries;
  for (const rpc::ActorTableData& a : *actors) {
    if (!state.empty() && ActorStateName(a.state()) != state) continue;
    std::string cause = a.state() == rpc::DEAD ? a.death_cause().message() : "";
    entries.push_back({{"actor_id", Hex(a.actor_id())},
                       {"class_name", DisplayName(a.class_name())},
                       {"state", ActorStateName(a.state())},
                       {"name", a.name()},
                       {"namespace", a.namespace_()},
                       {"job_id", Hex(a.job_id())},
                       {"node_id", Hex(a.address().node_id())},
                       {"pid", a.pid()},
                       {"num_restarts", a.num_restarts()},
                       {"death_cause", cause}});
  }
  return Page(target, std::move(entries));
}

absl::StatusOr<std::shared_ptr<const rpc::GetTaskEventsReply>> StateApi::AllTasks() {
  absl::MutexLock lock(&mu_);
  if (tasks_ == nullptr || UnixMillis() - tasks_at_ms_ > 1000) {
    absl::StatusOr<rpc::GetTaskEventsReply> reply = gcs_.GetTaskEvents(JobID::Nil(), 1 << 30);
    if (!reply.ok()) return reply.status();
    tasks_ = std::make_shared<const rpc::GetTaskEventsReply>(*std::move(reply));
    tasks_at_ms_ = UnixMillis();
  }
  return tasks_;
}

absl::StatusOr<Json> StateApi::Tasks(const Target& target) {
  absl::StatusOr<std::shared_ptr<const rpc::GetTaskEventsReply>> all = AllTasks();
  if (!all.ok()) return all.status();
  std::string state = target.Param("state"), name = target.Param("name");
  int64_t limit = std::clamp<int64_t>(target.IntParam("limit", 100), 0, kMaxLimit);
  int64_t offset = std::max<int64_t>(target.IntParam("offset", 0), 0);
  int64_t total = 0;
  std::vector<Json> page;
  for (const rpc::TaskSummary& t : (*all)->tasks()) {
    if (!state.empty() && TaskStateName(t.state()) != state) continue;
    if (!name.empty() && DisplayName(t.function_name()) != name) continue;
    if (total >= offset && total < offset + limit) page.push_back(TaskJson(t));
    total++;
  }
  Json result = {{"total", total}, {"num_after_truncation", page.size()}, {"result", std::move(page)},
                 {"num_dropped", (*all)->num_dropped()}};
  return Envelope(std::move(result));
}

absl::StatusOr<Json> StateApi::TaskSummary() {
  absl::StatusOr<std::shared_ptr<const rpc::GetTaskEventsReply>> all = AllTasks();
  if (!all.ok()) return all.status();
  Json by_state = Json::object(), by_name = Json::object();
  std::vector<Json> failures;
  for (const rpc::TaskSummary& t : (*all)->tasks()) {
    std::string state = TaskStateName(t.state());
    by_state[state] = by_state.value(state, 0) + 1;
    Json& of_name = by_name[DisplayName(t.function_name())];
    if (!of_name.is_object()) of_name = Json::object();
    of_name[state] = of_name.value(state, 0) + 1;
    if (t.state() == rpc::FAILED && failures.size() < 20) {
      failures.push_back({{"task_id", Hex(t.task_id())},
                          {"name", DisplayName(t.function_name())},
                          {"error_message", t.error_message()},
                          {"end_time_ms", StateTime(t, rpc::FAILED)}});
    }
  }
  return Envelope({{"total", (*all)->tasks_size()},
                   {"by_state", by_state},
                   {"by_func_name", by_name},
                   {"recent_failures", failures},
                   {"num_dropped", (*all)->num_dropped()}});
}

absl::StatusOr<Json> StateApi::PlacementGroups(const Target& target) {
  absl::StatusOr<std::vector<rpc::PlacementGroupTableData>> groups = gcs_.GetAllPlacementGroups();
  if (!groups.ok()) return groups.status();
  std::vector<Json> entries;
  for (const rpc::PlacementGroupTableData& g : *groups) {
    std::vector<Json> bundles;
    for (const rpc::Bundle& b : g.bundles()) {
      bundles.push_back({{"resources", Amounts(b.resources())}, {"node_id", Hex(b.node_id())}});
    }
    entries.push_back({{"placement_group_id", Hex(g.placement_group_id())},
                       {"name", g.name()},
                       {"namespace", g.namespace_()},
                       {"state", GroupStateName(g.state())},
                       {"strategy", StrategyName(g.strategy())},
                       {"bundles", bundles},
                       {"pending_reason", g.pending_reason()},
                       {"is_detached", g.detached()}});
  }
  return Page(target, std::move(entries));
}

absl::StatusOr<rpc::GcsNodeInfo> StateApi::NodeOf(const Target& target) {
  std::string id = target.Param("node_id");
  if (id.empty()) return absl::InvalidArgumentError("node_id is required");
  absl::StatusOr<std::vector<rpc::GcsNodeInfo>> nodes = gcs_.GetAllNodes();
  if (!nodes.ok()) return nodes.status();
  for (const rpc::GcsNodeInfo& node : *nodes) {
    if (Hex(node.node_id()) == id) return node;
  }
  return absl::NotFoundError(absl::StrCat("no node with id '", id, "'"));
}

absl::StatusOr<Json> StateApi::Workers(const Target& target) {
  absl::StatusOr<rpc::GcsNodeInfo> node = NodeOf(target);
  if (!node.ok()) return node.status();
  if (node->state() != rpc::GcsNodeInfo::ALIVE) return Page(target, {});
  absl::StatusOr<rpc::GetNodeStatsReply> stats = view_.NodeStats(*node);
  if (!stats.ok()) return stats.status();
  std::vector<Json> entries;
  for (const rpc::WorkerStats& w : stats->workers()) {
    entries.push_back({{"worker_id", Hex(w.worker_id())},
                       {"pid", w.pid()},
                       {"node_id", Hex(node->node_id())},
                       {"job_id", Hex(w.job_id())},
                       {"kind", w.kind() == rpc::WorkerStats::ACTOR    ? "actor"
                                : w.kind() == rpc::WorkerStats::DRIVER ? "driver"
                                                                       : "task"},
                       {"state", w.state() == rpc::WorkerStats::IDLE   ? "IDLE"
                                 : w.state() == rpc::WorkerStats::BUSY ? "BUSY"
                                                                       : "STARTING"}});
  }
  return Page(target, std::move(entries));
}

absl::StatusOr<Json> StateApi::LogFiles(const Target& target) {
  absl::StatusOr<rpc::GcsNodeInfo> node = NodeOf(target);
  if (!node.ok()) return node.status();
  std::string dir = node->session_dir() + "/logs";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return absl::NotFoundError(absl::StrCat("the logs of node ", target.Param("node_id"), " (", dir,
                                            ") are not readable from the head"));
  }
  std::vector<Json> entries;
  while (dirent* e = readdir(d)) {
    struct stat info;
    std::string path = dir + "/" + e->d_name;
    if (e->d_name[0] == '.' || stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;
    entries.push_back({{"filename", e->d_name}, {"size_bytes", info.st_size}});
  }
  closedir(d);
  std::sort(entries.begin(), entries.end(),
            [](const Json& a, const Json& b) { return a["filename"].get<std::string>() < b["filename"].get<std::string>(); });
  return Page(target, std::move(entries));
}

Response StateApi::LogFile(const Request& request, const Target& target) {
  std::string name = target.Param("filename");
  if (name.empty() || name == "." || name == ".." || absl::StrContains(name, '/') || absl::StrContains(name, '\0')) {
    return ErrorResponse(request, absl::InvalidArgumentError(absl::StrCat(
                                      "bad filename '", name, "': a file name in the node's logs folder, no '/'")));
  }
  absl::StatusOr<rpc::GcsNodeInfo> node = NodeOf(target);
  if (!node.ok()) return ErrorResponse(request, node.status());
  std::string dir = node->session_dir() + "/logs";
  char real_dir[PATH_MAX], real_file[PATH_MAX];
  std::string path = dir + "/" + name;
  if (realpath(dir.c_str(), real_dir) == nullptr || realpath(path.c_str(), real_file) == nullptr) {
    return ErrorResponse(request, absl::NotFoundError(absl::StrCat("no log file '", name, "' on node ",
                                                                   target.Param("node_id"))));
  }
  if (!absl::StartsWith(real_file, absl::StrCat(real_dir, "/"))) {
    return ErrorResponse(request, absl::InvalidArgumentError(
                                      absl::StrCat("log file '", name, "' points outside the logs folder; refused")));
  }
  std::ifstream in(real_file, std::ios::binary | std::ios::ate);
  if (!in) return ErrorResponse(request, absl::NotFoundError(absl::StrCat("cannot read log file '", name, "'")));
  int64_t size = in.tellg();
  int64_t tail = target.IntParam("tail_bytes", 8 << 20);
  int64_t from = std::max<int64_t>(0, size - std::clamp<int64_t>(tail, 0, 64 << 20));
  std::string text(static_cast<size_t>(size - from), '\0');
  in.seekg(from);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return http::TextResponse(request, 200, std::move(text));
}

}  // namespace dashboard
}  // namespace photon
