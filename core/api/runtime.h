#pragma once
// Starting and stopping Photon in a C++ program, and what a task can ask
// about where it runs.
//
//   int main(int argc, char** argv) {
//     photon::Init();              // first thing: in a worker process this runs tasks and never returns
//     ... photon::Task(Plus).Remote(1, 2) ...
//     photon::Shutdown();
//   }
//
// A C++ job's workers run the job's own executable: the raylet starts it
// again with PHOTON_WORKER_ID and friends in its environment, and Init sees
// them, serves tasks and exits when its raylet stops it. So call Init before
// anything in main that must not run in workers.
//
// Config.address empty: PHOTON_ADDRESS when set, else a local cluster (GCS
// and one raylet) is started for this process and stopped by Shutdown or at
// exit. "auto" joins the latest cluster started on this machine
// (`photon start --head`).
#include <cstdint>
#include <map>
#include <string>

namespace photon {
namespace core {
class CoreWorker;
}

struct Config {
  // GCS HOST:PORT, "auto", or empty (see above).
  std::string address;
  // The raylet this driver uses (HOST:PORT); empty: the head node's.
  std::string raylet_address;
  // Default: PHOTON_CLUSTER_TOKEN, else the latest session's token file.
  std::string token;
  std::string node_ip = "127.0.0.1";
  std::string namespace_name;
  // For a local cluster only: what its node offers (-1: detected).
  double num_cpus = -1;
  double num_gpus = -1;
  int64_t object_store_memory = -1;
  std::map<std::string, double> resources;
  // Print what this job's workers print on this process's stdout, prefixed
  // "(pid=<worker pid>, node=<node id prefix>) ".
  bool log_to_driver = true;
};

// Throws photon::Error when the cluster cannot be reached or started.
void Init(const Config& config = Config());
void Shutdown();
bool IsInitialized();
// True in a process a raylet started as this job's worker.
bool IsWorkerProcess();
// In a worker process: runs tasks until the raylet stops it, then exits.
// Elsewhere: returns at once. Init calls it; a program whose main does work
// before Init (gtest's, for one) calls it first.
void RunWorkerIfAsked();

// Hex IDs of where the caller runs (inside a task: its task, worker, node).
std::string GetJobId();
std::string GetNodeId();
std::string GetWorkerId();
std::string GetCurrentTaskId();

namespace api_internal {
// The process's core worker; throws photon::Error before Init.
core::CoreWorker& Worker();
// Null before Init and after Shutdown.
core::CoreWorker* WorkerOrNull();
}  // namespace api_internal

}  // namespace photon
