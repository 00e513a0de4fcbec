#include "raylet/resource_config.h"

#include <dirent.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace photon {
namespace raylet {
namespace {

int64_t MeminfoBytes(const std::string& field) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  int64_t kib = 0;
  std::string unit;
  while (in >> name >> kib >> unit) {
    if (name == field + ":") return kib * 1024;
  }
  return 0;
}

int CountNvidiaGpus() {
  int count = 0;
  if (DIR* d = opendir("/proc/driver/nvidia/gpus")) {
    while (dirent* e = readdir(d)) count += e->d_name[0] != '.' ? 1 : 0;
    closedir(d);
    if (count > 0) return count;
  }
  static const std::regex kDevice("nvidia[0-9]+");
  if (DIR* d = opendir("/dev")) {
    while (dirent* e = readdir(d)) count += std::regex_match(e->d_name, kDevice) ? 1 : 0;
    closedir(d);
  }
  return count;
}

constexpr const char* kBuiltIn[] = {"CPU", "GPU", "memory", "object_store_memory"};

}  // namespace

MachineInfo MachineInfo::Detect() {
  MachineInfo m;
  m.num_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (visible != nullptr) {
    m.num_gpus = 0;
    for (absl::string_view part : absl::StrSplit(visible, ',', absl::SkipEmpty())) {
      if (part != "-1" && part != "NoDevFiles") m.num_gpus++;
    }
  } else {
    m.num_gpus = CountNvidiaGpus();
  }
  m.total_memory = MeminfoBytes("MemTotal");
  m.available_memory = MeminfoBytes("MemAvailable");
  struct statvfs shm;
  if (statvfs("/dev/shm", &shm) == 0) m.shm_free = static_cast<int64_t>(shm.f_bavail) * shm.f_frsize;
  return m;
}

absl::StatusOr<rpc::ResourceSet> ParseResourcesJson(const std::string& json) {
  rpc::ResourceSet set;
  if (json.empty()) return set;
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(json, &parsed);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--resources must be a JSON object like {\"name\": 2}; could not parse '", json,
        "': ", std::string(status.message())));
  }
  for (const auto& [name, value] : parsed.fields()) {
    if (name.empty()) return absl::InvalidArgumentError("--resources: a resource has an empty name");
    for (const char* builtin : kBuiltIn) {
      if (name == builtin) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--resources: '", name, "' is built in; use --num-cpus, --num-gpus, --memory or "
            "--object-store-memory instead"));
      }
    }
    if (value.kind_case() != google::protobuf::Value::kNumberValue) {
      return absl::InvalidArgumentError(
          absl::StrCat("--resources: resource '", name, "' must be a number"));
    }
    double amount = value.number_value();
    if (!std::isfinite(amount) || amount < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--resources: resource '", name, "' must be >= 0, got ", amount));
    }
    (*set.mutable_amounts())[name] = amount;
  }
  return set;
}

absl::StatusOr<rpc::ResourceSet> BuildNodeResources(const NodeResourceFlags& flags,
                                                    const MachineInfo& machine) {
  absl::StatusOr<rpc::ResourceSet> custom = ParseResourcesJson(flags.resources_json);
  if (!custom.ok()) return custom.status();
  rpc::ResourceSet set = *std::move(custom);
  auto& amounts = *set.mutable_amounts();
  auto check = [](const char* flag, double v) -> absl::Status {
    if (std::isfinite(v) && v >= 0) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " must be >= 0, got ", v));
  };
  if (flags.num_cpus != -1) {
    if (absl::Status s = check("num-cpus", flags.num_cpus); !s.ok()) return s;
  }
  if (flags.num_gpus != -1) {
    if (absl::Status s = check("num-gpus", flags.num_gpus); !s.ok()) return s;
  }
  amounts["CPU"] = flags.num_cpus == -1 ? machine.num_cores : flags.num_cpus;
  amounts["GPU"] = flags.num_gpus == -1 ? machine.num_gpus : flags.num_gpus;

  int64_t store = flags.object_store_memory;
  if (store == -1) {
    store = static_cast<int64_t>(machine.total_memory * 0.3);
    if (machine.shm_free > 0) store = std::min(store, machine.shm_free);
  } else if (store < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--object-store-memory must be >= 0, got ", store));
  } else if (machine.shm_free > 0 && store > machine.shm_free) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--object-store-memory=", store, " bytes does not fit in /dev/shm, which has ",
        machine.shm_free, " bytes free; lower it or enlarge /dev/shm (docker: --shm-size)"));
  }
  int64_t memory = flags.memory;
  if (memory == -1) {
    memory = std::max<int64_t>(0, machine.available_memory - store);
  } else if (memory < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--memory must be >= 0, got ", memory));
  }
  amounts["memory"] = static_cast<double>(memory);
  amounts["object_store_memory"] = static_cast<double>(store);
  amounts["node:" + flags.node_ip] = 1;
  if (flags.is_head) amounts["node:__internal_head__"] = 1;
  return set;
}

}  // namespace raylet
}  // namespace photon
