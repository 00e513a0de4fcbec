#include "cli/command_flags.h"

#include <iostream>

namespace photon {
namespace cli {

int UsageError(const FlagSet& flags, const std::string& problem) {
  std::cerr << flags.program() << ": " << problem << "\n\n" << flags.Usage();
  return 2;
}

int ParseCommandFlags(FlagSet& flags, const std::vector<std::string>& args) {
  flags.AddBool("help", false, "print this help");
  absl::Status parsed = flags.Parse(args);
  if (!parsed.ok()) return UsageError(flags, std::string(parsed.message()));
  if (flags.GetBool("help")) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!flags.positional().empty()) {
    return UsageError(flags, "unexpected argument " + flags.positional()[0]);
  }
  return -1;
}

}  // namespace cli
}  // namespace photon
