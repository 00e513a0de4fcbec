#pragma once

// Pieces every Photon daemon's main() shares: signal handling, the cluster
// token, and logging into the session directory.
//
//   int main(int argc, char** argv) {
//     BlockTerminationSignals();              // first, before any thread starts
//     ...parse flags, start the loop thread and servers...
//     int sig = WaitForTerminationSignal();   // SIGTERM or SIGINT
//     ...shut down...
//   }

#include <string>

#include "absl/status/statusor.h"

namespace photon {

// Blocks SIGTERM, SIGINT and SIGHUP in this thread and every thread it starts
// later, so only WaitForTerminationSignal receives them. Ignores SIGPIPE.
void BlockTerminationSignals();

// Waits for SIGTERM, SIGINT or SIGHUP; returns its number.
int WaitForTerminationSignal();

// The token a daemon serves with: PHOTON_CLUSTER_TOKEN, else the token file
// of `session_dir` (when given). A daemon without a token refuses to start.
absl::StatusOr<std::string> DaemonToken(const std::string& session_dir);

// Logs to <session_dir>/logs/<name>.log when a session directory is given,
// else to stderr.
void InitDaemonLogging(const std::string& name, const std::string& session_dir);

}  // namespace photon
