#pragma once

// Choosing a TCP port for a server this process is about to start (a local
// cluster's GCS, a test's Redis), and checking that a port a user asked for
// is not taken.
//
//   ASSIGN_OR_RETURN(int port, PickFreePort());
//   options.argv.push_back(absl::StrCat("--port=", port));
//
// A picked port was free when PickFreePort returned; another process may take
// it before the server binds, so a caller that must not fail retries with a
// new port when the server exits at startup (RedisServerForTest does).
//
// Thread-safe.

#include "absl/status/statusor.h"

namespace photon {

// A loopback TCP port the kernel just handed out and this process released.
absl::StatusOr<int> PickFreePort();

// True when TCP `port` cannot be bound on all interfaces (with SO_REUSEADDR,
// as servers bind: a socket lingering in TIME_WAIT does not count).
bool PortInUse(int port);

}  // namespace photon
