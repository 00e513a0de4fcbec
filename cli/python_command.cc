// `photon microbenchmark`: Python subcommands run by Debian's interpreter.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/commands.h"

namespace photon {
namespace cli {

int RunPythonModule(const std::string& module, const std::vector<std::string>& args) {
  const char* python = "/usr/bin/python3";
  std::vector<std::string> argv = {python, "-m", module};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  execv(python, raw.data());
  std::fprintf(stderr, "photon: cannot run %s -m %s: %s\n", python, module.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace cli
}  // namespace photon
