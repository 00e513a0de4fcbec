#include "core/api/runtime.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "core/api/exceptions.h"
#include "core/api/function_registry.h"
#include "core/api/serialization.h"
#include "core/cluster/local_cluster.h"
#include "core/common/logging.h"
#include "core/common/session.h"
#include "core/common/status_macros.h"
#include "core/core_worker/core_worker.h"
#include "core/core_worker/worker_environment.h"

namespace photon {
namespace {

std::mutex init_mu;
// Declared in this order so that, at exit, the worker goes before its cluster.
std::unique_ptr<cluster::LocalCluster> local_cluster;  // guarded by init_mu
std::unique_ptr<core::CoreWorker> owned_worker;        // guarded by init_mu
std::atomic<core::CoreWorker*> current_worker{nullptr};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// This executable and its arguments: how a raylet starts this job's workers.
std::vector<std::string> SelfCommand() {
  std::vector<std::string> argv;
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n > 0) argv.push_back(std::string(buf, n));
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i < all.size(); i++) {
    if (all[i] == '\0') {
      parts.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  }
  for (size_t i = 1; i < parts.size(); i++) argv.push_back(parts[i]);
  return argv;
}

// The actor this worker process is, once its constructor ran.
std::shared_ptr<void> actor_instance;

absl::StatusOr<std::string> RunRegistered(const rpc::TaskSpec& spec, const std::vector<std::string>& args) {
  const std::string& name = spec.function_name();
  const FunctionRegistry::Entry* entry = FunctionRegistry::Global().Find(name);
  if (entry == nullptr) {
    return absl::NotFoundError(absl::StrCat("no remote function '", name,
                                            "' in this worker's executable: register it with PHOTON_REMOTE"));
  }
  if (spec.actor_creation()) {
    if (!entry->factory) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", name, "' is not an actor factory (a registered function returning T*)"));
    }
    ASSIGN_OR_RETURN(actor_instance, entry->factory(args));
    return std::string();
  }
  if (!spec.actor_id().empty()) {
    if (!entry->method) {
      return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not an actor method (register &Class::Method)"));
    }
    if (actor_instance == nullptr) return absl::FailedPreconditionError("this worker holds no actor");
    return entry->method(actor_instance.get(), args);
  }
  if (!entry->invoke) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", name, "' is an actor factory or method: call it through photon::Actor"));
  }
  return entry->invoke(args);
}

// The core worker's execute callback: C++ functions take their arguments as
// msgpack bytes and return one value (an actor's constructor: none).
absl::StatusOr<std::vector<core::TaskResult>> RunFunction(const rpc::TaskSpec& spec, const core::TaskArgValues& values) {
  std::vector<std::string> args;
  args.reserve(values.size());
  for (const auto& v : values) args.emplace_back(v->bytes());
  ASSIGN_OR_RETURN(std::string result, RunRegistered(spec, args));
  if (spec.actor_creation()) return std::vector<core::TaskResult>();
  std::vector<core::TaskResult> results;
  results.push_back(std::move(result));
  return results;
}

}  // namespace

bool IsWorkerProcess() { return !Env("PHOTON_WORKER_ID").empty() && !Env("PHOTON_RAYLET_ADDRESS").empty(); }

void RunWorkerIfAsked() {
  if (!IsWorkerProcess()) return;
  absl::StatusOr<core::CoreWorkerOptions> from_env = core::WorkerOptionsFromEnvironment();
  if (!from_env.ok()) {
    std::fprintf(stderr, "photon worker: %s\n", from_env.status().ToString().c_str());
    _exit(2);
  }
  core::CoreWorkerOptions options = *std::move(from_env);
  options.execute = RunFunction;
  // A worker runs the job's command, so its own command line is the one to
  // pass on when it submits tasks (to raylets that have not seen the job).
  options.worker_command = SelfCommand();
  absl::StatusOr<std::unique_ptr<core::CoreWorker>> worker = core::CoreWorker::Start(options);
  if (!worker.ok()) {
    std::fprintf(stderr, "photon worker: cannot start: %s\n", worker.status().ToString().c_str());
    _exit(3);
  }
  current_worker = worker->get();
  (*worker)->RunTaskLoop();
  std::fflush(stdout);
  _exit(0);
}

void Init(const Config& config) {
  RunWorkerIfAsked();
  std::lock_guard<std::mutex> lock(init_mu);
  if (owned_worker) throw Error("photon::Init was already called (call photon::Shutdown first)");
  core::CoreWorkerOptions options;
  options.is_driver = true;
  options.raylet_address = config.raylet_address;
  options.node_ip = config.node_ip;
  options.namespace_name = config.namespace_name;
  options.log_to_driver = config.log_to_driver;
  options.worker_command = SelfCommand();
  options.entrypoint = options.worker_command.empty() ? "" : options.worker_command[0];
  std::string address = config.address.empty() ? Env("PHOTON_ADDRESS") : config.address;
  std::string token = config.token;
  if (address.empty()) {
    cluster::LocalCluster::Options local;
    local.num_cpus = config.num_cpus;
    local.num_gpus = config.num_gpus;
    local.object_store_memory = config.object_store_memory;
    local.resources = config.resources;
    absl::StatusOr<std::unique_ptr<cluster::LocalCluster>> started = cluster::LocalCluster::Start(local);
    if (!started.ok()) throw Error("photon::Init: cannot start a local cluster: " + started.status().ToString());
    local_cluster = std::move(*started);
    address = local_cluster->gcs_address();
    token = local_cluster->token();
  } else if (address == "auto") {
    absl::StatusOr<Session> latest = Session::Latest();
    if (!latest.ok()) throw Error("photon::Init(\"auto\"): no cluster was started on this machine (photon start --head)");
    absl::StatusOr<std::string> gcs = latest->ReadGcsAddress();
    if (!gcs.ok()) throw Error("photon::Init(\"auto\"): " + gcs.status().ToString());
    address = *gcs;
  }
  if (token.empty()) {
    absl::StatusOr<std::string> resolved = ResolveClusterToken();
    if (!resolved.ok()) throw Error("photon::Init: no cluster token: " + resolved.status().ToString());
    token = *resolved;
  }
  options.gcs_address = address;
  options.token = token;
  // The driver's log: its session's logs directory; warnings also reach stderr.
  std::string log_dir = Session::Root() + "/logs";
  if (local_cluster) {
    log_dir = local_cluster->session_dir() + "/logs";
  } else if (absl::StatusOr<Session> latest = Session::Latest(); latest.ok()) {
    log_dir = latest->logs_dir();
  }
  if (LogFilePath().empty() && MakeDirectories(log_dir).ok()) InitLogging(absl::StrCat("driver-", getpid()), log_dir);
  absl::StatusOr<std::unique_ptr<core::CoreWorker>> worker = core::CoreWorker::Start(options);
  if (!worker.ok()) {
    local_cluster.reset();
    throw Error("photon::Init: cannot join the cluster at " + address + ": " + worker.status().ToString());
  }
  owned_worker = std::move(*worker);
  current_worker = owned_worker.get();
}

void Shutdown() {
  std::lock_guard<std::mutex> lock(init_mu);
  current_worker = nullptr;
  if (owned_worker) owned_worker->Shutdown();
  owned_worker.reset();
  local_cluster.reset();
}

bool IsInitialized() { return current_worker.load() != nullptr; }

namespace api_internal {

core::CoreWorker* WorkerOrNull() { return current_worker.load(); }

core::CoreWorker& Worker() {
  core::CoreWorker* w = current_worker.load();
  if (w == nullptr) throw Error("photon is not initialized: call photon::Init() first");
  return *w;
}

}  // namespace api_internal

std::string GetJobId() { return api_internal::Worker().identity().job.Hex(); }
std::string GetNodeId() { return api_internal::Worker().identity().node_id.Hex(); }
std::string GetWorkerId() { return api_internal::Worker().identity().worker_id.Hex(); }
std::string GetCurrentTaskId() { return api_internal::Worker().executor().CurrentTask().Hex(); }

}  // namespace photon
