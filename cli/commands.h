#pragma once

// The `photon` subcommands. Each takes the arguments after its name and
// returns the process exit code: 0 on success, 1 when the work failed, 2 for
// wrong usage (after printing the usage).

#include <string>
#include <vector>

namespace photon {
namespace cli {

// photon start --head [--port 6379] [...] | photon start --address HOST:PORT [...]
int RunStart(const std::vector<std::string>& args);
// photon stop [--grace-period-s 10] [--force]
int RunStop(const std::vector<std::string>& args);
// photon status [--address HOST:PORT]
int RunStatus(const std::vector<std::string>& args);
// Replaces this process with `/usr/bin/python3 -m module args...` (the
// photon package's own commands, e.g. microbenchmark); returns only on failure.
int RunPythonModule(const std::string& module, const std::vector<std::string>& args);

}  // namespace cli
}  // namespace photon
