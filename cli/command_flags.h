#pragma once

// Flag parsing shared by the `photon` subcommands: --help prints the usage
// and exits 0; an unknown flag, a bad value or a stray argument prints the
// problem and the usage and exits 2.
//
//   FlagSet flags("photon stop", "...");
//   flags.AddBool("force", false, "...");
//   if (int exit_code = ParseCommandFlags(flags, args); exit_code >= 0) return exit_code;

#include <string>
#include <vector>

#include "core/common/flags.h"

namespace photon {
namespace cli {

// Returns -1 when the command should go on, else the exit code to return.
int ParseCommandFlags(FlagSet& flags, const std::vector<std::string>& args);

// Prints "<program>: <problem>", a blank line and the usage to stderr; returns 2.
int UsageError(const FlagSet& flags, const std::string& problem);

}  // namespace cli
}  // namespace photon
