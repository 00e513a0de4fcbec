#include "autoscaler/local_provider.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/common/binaries.h"
#include "core/common/process.h"
#include "core/common/session.h"

namespace photon {
namespace autoscaler {

std::string LocalProvider::PidPath(const std::string& instance_id) const {
  return absl::StrCat(options_.dir, "/", instance_id, ".pid");
}

int LocalProvider::PidOf(const std::string& instance_id) const {
  absl::StatusOr<std::string> text = ReadFileToString(PidPath(instance_id));
  int pid = 0;
  if (!text.ok() || !absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &pid)) return 0;
  return pid;
}

absl::Status LocalProvider::Launch(const std::string& instance_id, const NodeTypeConfig& type) {
  if (int pid = PidOf(instance_id); pid > 0 && ProcessAlive(pid)) return absl::OkStatus();  // launched already
  if (absl::Status s = MakeDirectories(options_.dir); !s.ok()) return s;
  absl::StatusOr<std::string> photon = FindPhotonBinary("photon");
  if (!photon.ok()) return photon.status();
  nlohmann::json custom = nlohmann::json::object();
  double cpus = 0, gpus = 0;
  int64_t memory = options_.memory_bytes, store = options_.object_store_bytes;
  for (const auto& [name, amount] : type.resources) {
    if (name == "CPU") {
      cpus = amount;
    } else if (name == "GPU") {
      gpus = amount;
    } else if (name == "memory") {
      memory = static_cast<int64_t>(amount);
    } else if (name == "object_store_memory") {
      store = static_cast<int64_t>(amount);
    } else {
      custom[name] = amount;
    }
  }
  nlohmann::json labels(type.labels);
  labels[kNodeTypeLabel] = type.name;
  labels[kInstanceIdLabel] = instance_id;
  SpawnOptions spawn;
  spawn.argv = {*photon, "start", "--address=" + options_.gcs_address, "--block",
                absl::StrCat("--num-cpus=", cpus), absl::StrCat("--num-gpus=", gpus),
                absl::StrCat("--memory=", memory), absl::StrCat("--object-store-memory=", store),
                "--resources=" + custom.dump(), "--node-labels=" + labels.dump()};
  spawn.env = {{"PHOTON_CLUSTER_TOKEN", options_.token}};
  spawn.log_path = absl::StrCat(options_.dir, "/", instance_id, ".out");
  spawn.group = SpawnOptions::Group::kNewSession;
  absl::StatusOr<pid_t> pid = Spawn(spawn);
  if (!pid.ok()) return pid.status();
  return WriteFileAtomically(PidPath(instance_id), absl::StrCat(*pid, "\n"), 0644);
}

absl::Status LocalProvider::Terminate(const std::string& instance_id) {
  int pid = PidOf(instance_id);
  unlink(PidPath(instance_id).c_str());
  // `photon start --block` stops its raylet on SIGTERM (SIGKILL after 10 s);
  // waited for off the loop, which meanwhile serves new demand.
  if (pid > 0 && ProcessAlive(pid)) std::thread([pid] { TerminateAll({pid}, std::chrono::seconds(10)); }).detach();
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, ProviderInstance>> LocalProvider::List() {
  std::map<std::string, ProviderInstance> out;
  DIR* dir = opendir(options_.dir.c_str());
  if (dir == nullptr) return out;
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    if (!absl::EndsWith(name, ".pid")) continue;
    std::string id = name.substr(0, name.size() - 4);
    int pid = PidOf(id);
    ProviderInstance instance;
    instance.instance_id = id;
    bool alive = pid > 0 && ProcessAlive(pid);
    if (!alive) ReapIfExited(pid);
    instance.state = alive ? InstanceState::kAllocated : InstanceState::kFailed;
    if (!alive) instance.message = absl::StrCat("its `photon start` (pid ", pid, ") exited; see ", id, ".out");
    out[id] = instance;
  }
  closedir(dir);
  return out;
}

}  // namespace autoscaler
}  // namespace photon
