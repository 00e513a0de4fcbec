#include "tests/subprocess.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

#include "core/common/process.h"

namespace photon {
namespace testing {

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env) {
  CommandResult result;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return result;
  SpawnOptions options;
  options.argv = argv;
  options.env.assign(env.begin(), env.end());
  options.output_fd = fds[1];
  options.die_with_parent = true;
  absl::StatusOr<pid_t> pid = Spawn(options);
  close(fds[1]);
  if (!pid.ok()) {
    close(fds[0]);
    result.output = std::string(pid.status().message());
    return result;
  }
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) result.output.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  ExitStatus exit = WaitForExit(*pid);
  result.exit_code = exit.signal > 0 ? 128 + exit.signal : exit.exit_code;
  return result;
}

std::string PhotonBinary(const std::string& workspace_path) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  return std::string(srcdir ? srcdir : ".") + "/" + (workspace ? workspace : "photon") + "/" +
         workspace_path;
}

}  // namespace testing
}  // namespace photon
