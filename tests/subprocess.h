#pragma once

// Runs a command to completion for tests, capturing what it prints.
//
//   CommandResult r = RunCommand({PhotonBinary("cli/photon"), "status"}, {{"PHOTON_TMPDIR", dir}});
//   EXPECT_EQ(r.exit_code, 0) << r.output;
//
// (A port for a server a test starts: PickFreePort in core/common/free_port.h.)
// Thread-safe.

#include <map>
#include <string>
#include <vector>

namespace photon {
namespace testing {

struct CommandResult {
  int exit_code = -1;  // 128 + signal when killed by one
  std::string output;  // stdout and stderr, interleaved
};

// Runs argv with the test's environment plus `env`. The child dies with the test.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {});

// Path of a binary of this workspace in the test's runfiles, e.g. "gcs/photon-gcs".
std::string PhotonBinary(const std::string& workspace_path);

}  // namespace testing
}  // namespace photon
