// photon: the command line of a Photon cluster (start, stop, status, job, microbenchmark).

#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: photon <command> [flags]\n"
    "\n"
    "commands:\n"
    "  start    start a head node (--head) or join one (--address HOST:PORT)\n"
    "  stop     stop every Photon process of this machine's sessions\n"
    "  status   show the cluster's nodes and resources\n"
    "  job      submit, follow, stop and list jobs through the dashboard (photon job --help)\n"
    "  microbenchmark   Ray's core microbenchmark through the Python API\n"
    "\n"
    "`photon <command> --help` lists a command's flags.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "start") return photon::cli::RunStart(args);
  if (command == "stop") return photon::cli::RunStop(args);
  if (command == "status") return photon::cli::RunStatus(args);
  if (command == "job") return photon::cli::RunPythonModule("photon._private.job_cli", args);
  if (command == "microbenchmark") return photon::cli::RunPythonModule("photon._private.microbenchmark", args);
  std::cerr << "photon: unknown command '" << command << "'\n\n" << kUsage;
  return 2;
}
