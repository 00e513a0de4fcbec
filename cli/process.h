#pragma once

// Process plumbing for the `photon` CLI: finding the daemon binaries,
// starting them detached, checking ports, and stopping them.
//
//   ASSIGN_OR_RETURN(std::string gcs, FindBinary("photon-gcs"));
//   ASSIGN_OR_RETURN(int pid, SpawnDaemon(gcs, {"--port=6379"}, logs + "/gcs.out"));
//   if (!ProcessAlive(pid)) ...
//
// Thread-compatible.

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace photon {
namespace cli {

// Looks for a daemon binary: $PHOTON_BIN_DIR, next to this executable, then
// in the Bazel layout beside it (../gcs, ../raylet). NotFound lists the places tried.
absl::StatusOr<std::string> FindBinary(const std::string& name);

// Starts `path args...` in a new session (it outlives the CLI) with stdin
// from /dev/null and stdout/stderr appended to `output_path`.
absl::StatusOr<int> SpawnDaemon(const std::string& path, const std::vector<std::string>& args,
                                const std::string& output_path);

// True while `pid` exists and is not a zombie.
bool ProcessAlive(int pid);

// True when `pid` runs one of Photon's daemons (its command name starts with
// "photon-"), so a recycled pid is never signalled.
bool IsPhotonDaemon(int pid);

// Reaps `pid` if it is our child and has exited; returns its exit status
// text ("exit code 1", "killed by signal 9") or "" while it runs.
std::string ReapIfExited(int pid);

// True when nothing can bind TCP `port` on all interfaces.
bool PortInUse(int port);

// Sends SIGTERM to each pid, waits up to `grace` for all to exit, then
// SIGKILLs the rest. Returns how many had to be killed.
int TerminateAll(const std::vector<int>& pids, std::chrono::milliseconds grace);

// The last `max_lines` lines of a file ("" when unreadable).
std::string TailFile(const std::string& path, int max_lines);

}  // namespace cli
}  // namespace photon
