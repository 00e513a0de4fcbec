#pragma once

// Child processes: starting a program with its output in a log file, then
// watching, reaping and stopping it.
//
// This is the one place Photon forks and execs. The CLI's daemons, the local
// cluster of photon::Init / photon.init, a raylet's workers and the test
// fixtures all start their children through Spawn, so every child gets the
// same hygiene: stdin from /dev/null, no descriptor of the parent's but
// stdout and stderr, an empty signal mask with SIGPIPE and SIGXFSZ at their
// defaults (what Python's subprocess restores too), and, when asked, a new
// session or process group and death with its parent.
//
//   SpawnOptions options;
//   options.argv = {gcs_binary, "--port=6379"};
//   options.env = {{"PHOTON_CLUSTER_TOKEN", token}};
//   options.log_path = logs + "/gcs.out";  // stdout and stderr, appended
//   options.die_with_parent = true;
//   ASSIGN_OR_RETURN(pid_t pid, Spawn(options));
//   ...
//   if (std::optional<ExitStatus> exited = ReapIfExited(pid)) {
//     return absl::InternalError("the GCS " + exited->ToString() + ":\n" + TailOfFile(log, 20));
//   }
//   TerminateAll({pid}, std::chrono::seconds(5));  // SIGTERM, then SIGKILL
//
// Thread-safe: each function may be called from any thread. Spawn builds
// everything the child needs before it forks, so the child of a
// multithreaded parent runs only async-signal-safe calls until exec. (Death
// with the parent follows the calling *thread*: see die_with_parent.)

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace photon {

struct SpawnOptions {
  // The program and its arguments. argv[0] is the program's path or, with
  // search_path, a name looked up as a shell would, on this process's PATH
  // (not on one given in `env`).
  std::vector<std::string> argv;
  bool search_path = false;

  // Variables set in the child, over the parent's environment; with
  // inherit_environment false, the child's whole environment.
  std::vector<std::pair<std::string, std::string>> env;
  bool inherit_environment = true;

  // Where stdout and stderr go, the first that is set: the file log_path
  // (created 0644; appended to, or emptied first with truncate_log), the
  // descriptor output_fd (a pipe's write end, say; it stays the caller's to
  // close; REQUIRES: > 2), else the parent's own stdout and stderr.
  std::string log_path;
  bool truncate_log = false;
  int output_fd = -1;

  // The child's working directory (empty: the caller's). A directory that
  // cannot be entered makes the child exit 127 with the reason in its output.
  std::string cwd;

  enum class Group {
    kInherit,          // the caller's session and process group
    kNewProcessGroup,  // Ctrl-C at the caller's terminal does not reach it
    kNewSession,       // a daemon: no terminal, outlives the caller's session
  };
  Group group = Group::kInherit;

  // SIGKILL the child when the thread that called Spawn ends (Linux's
  // PR_SET_PDEATHSIG); a parent gone before that took effect makes the child
  // exit at once. REQUIRES: Spawn runs on a thread that lives as long as the
  // child should (the main thread, an event loop's thread), not a short-lived
  // helper thread.
  bool die_with_parent = false;
};

// Starts a child as `options` says and returns its pid; the caller reaps it
// (ReapIfExited, WaitForExit, TerminateAll). Fails when argv is empty or the
// log cannot be opened; a program that cannot be executed is a child that
// writes "photon: cannot exec PROGRAM: REASON" to its output and exits 127.
absl::StatusOr<pid_t> Spawn(const SpawnOptions& options);

// How a process ended.
struct ExitStatus {
  int exit_code = -1;  // >= 0 when it exited
  int signal = 0;      // > 0 when a signal killed it
  // "exit code 1", "killed by signal 9", or "exited" when neither is known
  // (a process that was not our child).
  std::string ToString() const;
};

// True while `pid` exists and is not a zombie.
bool ProcessAlive(pid_t pid);

// Reaps `pid` if it is our child and has ended, and says how; nullopt while
// it runs. For a process that is not our child: nullopt while it is alive,
// then an ExitStatus with neither field known.
std::optional<ExitStatus> ReapIfExited(pid_t pid);

// Waits until `pid` has ended (reaping it if it is our child).
ExitStatus WaitForExit(pid_t pid);

// Sends SIGTERM to each of `pids` in order, waits up to `grace` for all to
// end, SIGKILLs the rest and waits for them; our children among them are
// reaped. Returns how many needed SIGKILL. Pids <= 0 are skipped.
int TerminateAll(const std::vector<pid_t>& pids, std::chrono::milliseconds grace);

// The last `max_lines` lines of the file at `path`, each ending in "\n"
// ("" when it cannot be read): what a child wrote last, for an error message.
std::string TailOfFile(const std::string& path, int max_lines);

}  // namespace photon
