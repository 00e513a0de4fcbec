#include "autoscaler/instance_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace photon {
namespace autoscaler {
namespace {

constexpr char kNamespace[] = "autoscaler";
constexpr char kKey[] = "instances";
// Terminated and failed instances kept for `photon status`, newest last.
constexpr size_t kKeepEnded = 50;

bool Ended(InstanceState s) { return s == InstanceState::kTerminated || s == InstanceState::kFailed; }

}  // namespace

InstanceState ParseInstanceState(const std::string& name) {
  for (InstanceState s : {InstanceState::kRequested, InstanceState::kAllocated, InstanceState::kRunning,
                          InstanceState::kDraining, InstanceState::kTerminated, InstanceState::kFailed}) {
    if (name == InstanceStateName(s)) return s;
  }
  return InstanceState::kFailed;
}

absl::Status InstanceStore::Load() {
  absl::StatusOr<std::string> text = gcs_.KvGet(kNamespace, kKey);
  if (absl::IsNotFound(text.status())) return absl::OkStatus();
  if (!text.ok()) return text.status();
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object()) return absl::DataLossError("autoscaler: the stored instance table is not JSON");
  next_index_ = json.value("next_index", int64_t{1});
  failed_launches_ = json.value("failed_launches", int64_t{0});
  instances_.clear();
  for (const nlohmann::json& j : json.value("instances", nlohmann::json::array())) {
    Instance i;
    i.id = j.value("id", "");
    i.node_type = j.value("node_type", "");
    i.state = ParseInstanceState(j.value("state", ""));
    i.launched_ms = j.value("launched_ms", int64_t{0});
    i.state_since_ms = j.value("state_since_ms", int64_t{0});
    i.node_id = j.value("node_id", "");
    i.message = j.value("message", "");
    if (!i.id.empty()) instances_[i.id] = i;
  }
  return absl::OkStatus();
}

absl::Status InstanceStore::Save() {
  // Forget the oldest ended instances past kKeepEnded.
  std::vector<std::pair<int64_t, std::string>> ended;
  for (const auto& [id, i] : instances_) {
    if (Ended(i.state)) ended.emplace_back(i.state_since_ms, id);
  }
  std::sort(ended.begin(), ended.end());
  for (size_t k = 0; ended.size() > kKeepEnded && k < ended.size() - kKeepEnded; k++) instances_.erase(ended[k].second);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [id, i] : instances_) {
    list.push_back({{"id", i.id},
                    {"node_type", i.node_type},
                    {"state", InstanceStateName(i.state)},
                    {"launched_ms", i.launched_ms},
                    {"state_since_ms", i.state_since_ms},
                    {"node_id", i.node_id},
                    {"message", i.message}});
  }
  nlohmann::json json = {{"next_index", next_index_}, {"failed_launches", failed_launches_}, {"instances", list}};
  return gcs_.KvPut(kNamespace, kKey, json.dump(), /*overwrite=*/true).status();
}

Instance& InstanceStore::Add(const std::string& type, int64_t now_ms) {
  std::string id = absl::StrCat("photon-", type, "-", next_index_++);
  Instance& i = instances_[id];
  i.id = id;
  i.node_type = type;
  i.state = InstanceState::kRequested;
  i.launched_ms = now_ms;
  i.state_since_ms = now_ms;
  return i;
}

void InstanceStore::SetState(const std::string& id, InstanceState state, int64_t now_ms, const std::string& message) {
  auto it = instances_.find(id);
  if (it == instances_.end() || it->second.state == state) return;
  if (state == InstanceState::kFailed) failed_launches_++;
  it->second.state = state;
  it->second.state_since_ms = now_ms;
  if (!message.empty()) it->second.message = message;
}

}  // namespace autoscaler
}  // namespace photon
