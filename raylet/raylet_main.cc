// photon-raylet: the node daemon. `photon start` runs it; see
// `photon-raylet --help` for its flags.

#include <signal.h>

#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "core/common/daemon.h"
#include "core/common/event_loop.h"
#include "core/common/flags.h"
#include "core/common/logging.h"
#include "core/common/session.h"
#include "raylet/raylet.h"
#include "raylet/resource_config.h"

namespace photon {
namespace {

void AddFlags(FlagSet& flags) {
  flags.AddString("gcs-address", "", "HOST:PORT of the GCS (required)");
  flags.AddString("node-ip", "127.0.0.1", "address the GCS and other nodes reach this node at");
  flags.AddInt("port", 0, "gRPC port (0: any free port)");
  flags.AddString("node-id", "", "NodeID as 56 hex digits (default: random)");
  flags.AddDouble("num-cpus", -1, "CPUs to offer (default: the machine's cores)");
  flags.AddDouble("num-gpus", -1, "GPUs to offer (default: CUDA_VISIBLE_DEVICES, else detected NVIDIA GPUs)");
  flags.AddInt("memory", -1, "bytes of memory for tasks (default: available RAM minus the object store)");
  flags.AddInt("object-store-memory", -1, "bytes of shared memory for objects (default: 30% of RAM, capped by /dev/shm)");
  flags.AddString("resources", "", "custom resources as JSON, e.g. '{\"special\": 2}'");
  flags.AddBool("head", false, "this is the head node");
  flags.AddString("session-dir", "", "session directory for logs and the token file");
  flags.AddInt("report-period-ms", 1000, "how often resources are reported to the GCS");
  flags.AddString("object-store-socket", "", "unix socket of the object store (default: in the session directory)");
  flags.AddString("object-spilling-directory", "", "where objects spill to disk (default: <session>/spill)");
  flags.AddInt("object-manager-port", 0, "TCP port for object transfers (0: any free port)");
  flags.AddInt("max-workers", 0,
               "task worker processes at most, those blocked in get/wait included (0: 8 per CPU, at least 64)");
  flags.AddInt("metrics-export-port", 8080,
               "port of GET /metrics, the node's Prometheus metrics (0: none); the raylet fails when it is taken");
  flags.AddString("node-labels", "", "labels of this node as a JSON object of strings, e.g. "
                                     "'{\"photon.io/node-type\": \"cpu2\"}'");
  flags.AddBool("help", false, "print this help");
}

// The node's resources from the flags and this machine.
absl::StatusOr<rpc::ResourceSet> NodeResources(const FlagSet& flags) {
  raylet::NodeResourceFlags resource_flags;
  resource_flags.num_cpus = flags.GetDouble("num-cpus");
  resource_flags.num_gpus = flags.GetDouble("num-gpus");
  resource_flags.memory = flags.GetInt("memory");
  resource_flags.object_store_memory = flags.GetInt("object-store-memory");
  resource_flags.resources_json = flags.GetString("resources");
  resource_flags.node_ip = flags.GetString("node-ip");
  resource_flags.is_head = flags.GetBool("head");
  return raylet::BuildNodeResources(resource_flags, raylet::MachineInfo::Detect());
}

// The raylet's options from the flags (files placed by PlaceFiles).
absl::StatusOr<raylet::Raylet::Options> OptionsFromFlags(const FlagSet& flags, const std::string& token) {
  absl::StatusOr<rpc::ResourceSet> resources = NodeResources(flags);
  if (!resources.ok()) return resources.status();
  raylet::Raylet::Options options;
  options.gcs_address = flags.GetString("gcs-address");
  options.token = token;
  options.node_ip = flags.GetString("node-ip");
  options.port = static_cast<int>(flags.GetInt("port"));
  if (!flags.GetString("node-id").empty()) {
    absl::StatusOr<NodeID> id = NodeID::FromHex(flags.GetString("node-id"));
    if (!id.ok()) return absl::InvalidArgumentError(absl::StrCat("--node-id: ", id.status().message()));
    options.node_id = *id;
  }
  options.resources = *resources;
  options.session_dir = flags.GetString("session-dir");
  options.is_head = flags.GetBool("head");
  options.report_period = std::chrono::milliseconds(flags.GetInt("report-period-ms"));
  options.object_manager_port = static_cast<int>(flags.GetInt("object-manager-port"));
  options.store_socket = flags.GetString("object-store-socket");
  options.spill_dir = flags.GetString("object-spilling-directory");
  options.max_workers = static_cast<int>(flags.GetInt("max-workers"));
  if (options.max_workers < 0) return absl::InvalidArgumentError("--max-workers must be 0 (the default) or more");
  const int64_t metrics_port = flags.GetInt("metrics-export-port");
  if (metrics_port < 0 || metrics_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--metrics-export-port=", metrics_port, " is not a TCP port"));
  }
  options.metrics_export_port = static_cast<int>(metrics_port);
  if (!flags.GetString("node-labels").empty()) {
    nlohmann::json labels = nlohmann::json::parse(flags.GetString("node-labels"), nullptr, false);
    if (!labels.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("--node-labels must be a JSON object of strings, not '",
                                                     flags.GetString("node-labels"), "'"));
    }
    for (auto& [key, value] : labels.items()) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat("--node-labels: the value of '", key, "' must be a string"));
      }
      options.labels[key] = value.get<std::string>();
    }
  }
  return options;
}

// Where the store socket, spilled objects and (without a session) workers'
// output go under `base`; makes the directories.
absl::Status PlaceFiles(const std::string& base, raylet::Raylet::Options* options) {
  const std::string short_id = options->node_id.ShortHex();
  if (options->store_socket.empty()) {
    options->store_socket = base + "/sockets/store-" + short_id;
    // A unix socket path must fit in 108 bytes.
    if (options->store_socket.size() >= 100) options->store_socket = "/tmp/photon-store-" + short_id + ".sock";
  }
  // Without a session, workers' output still goes to files (removed with
  // `base` at exit) so that the log monitor can forward it to drivers.
  if (options->session_dir.empty()) {
    options->worker_log_dir = base + "/logs";
    if (absl::Status made = MakeDirectories(options->worker_log_dir); !made.ok()) return made;
  }
  if (options->spill_dir.empty()) options->spill_dir = base + "/spill-" + short_id;
  return MakeDirectories(options->store_socket.substr(0, options->store_socket.rfind('/')));
}

// Runs the raylet until a termination signal; the process's exit code.
int Run(raylet::Raylet::Options options) {
  int exit_code = 0;
  options.on_fatal = [&exit_code](const absl::Status&) {
    exit_code = 1;
    kill(getpid(), SIGTERM);  // wakes WaitForTerminationSignal below
  };
  EventLoop loop;
  raylet::Raylet raylet(options, loop);
  absl::Status started = raylet.Start();
  if (!started.ok()) {
    PHOTON_LOG(ERROR) << "raylet failed to start: " << started;
    std::cerr << "photon-raylet: " << started.message() << "\n";
    return 1;
  }
  loop.StartThread("raylet-loop");
  int sig = WaitForTerminationSignal();
  PHOTON_LOG(INFO) << "raylet stopping on signal " << sig;
  raylet.Stop();
  loop.Stop();
  return exit_code;
}

}  // namespace
}  // namespace photon

int main(int argc, char** argv) {
  using namespace photon;
  BlockTerminationSignals();
  FlagSet flags("photon-raylet", "The Photon node daemon (raylet).");
  AddFlags(flags);
  absl::Status parsed = flags.Parse(argc, argv);
  if (!parsed.ok() || flags.GetBool("help") || !flags.positional().empty() ||
      (flags.GetString("gcs-address").empty() && !flags.GetBool("help"))) {
    if (!parsed.ok()) std::cerr << "photon-raylet: " << parsed.message() << "\n\n";
    else if (!flags.GetBool("help")) std::cerr << "photon-raylet: --gcs-address is required\n\n";
    std::cerr << flags.Usage();
    return parsed.ok() && flags.GetBool("help") ? 0 : 2;
  }
  const std::string session_dir = flags.GetString("session-dir");
  InitDaemonLogging("raylet", session_dir);
  absl::StatusOr<std::string> token = DaemonToken(session_dir);
  if (!token.ok()) {
    std::cerr << "photon-raylet: " << token.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<raylet::Raylet::Options> options = OptionsFromFlags(flags, *token);
  if (!options.ok()) {
    std::cerr << "photon-raylet: " << options.status().message() << "\n";
    return 2;
  }
  const std::string base = session_dir.empty() ? "/tmp/photon-node-" + options->node_id.ShortHex() : session_dir;
  if (absl::Status placed = PlaceFiles(base, &*options); !placed.ok()) {
    std::cerr << "photon-raylet: " << placed.message() << "\n";
    return 1;
  }
  const int exit_code = Run(*std::move(options));
  if (session_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(base, ignored);  // our private /tmp/photon-node-* directory
  }
  return exit_code;
}
