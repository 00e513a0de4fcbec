#pragma once

// FlagSet: command-line flags with PHOTON_* environment overrides and
// documented defaults, shared by every Photon binary.
//
// A value comes from, in order: `--name=value` or `--name value` on the
// command line, then the environment variable PHOTON_<NAME> (dashes become
// underscores, letters upper case: --health-check-period-ms reads
// PHOTON_HEALTH_CHECK_PERIOD_MS), then the default given here.
//
//   FlagSet flags("photon-gcs", "The global control store.");
//   flags.AddInt("port", 6379, "gRPC port to listen on");
//   flags.AddString("storage", "memory", "memory or redis://HOST:PORT");
//   if (absl::Status s = flags.Parse(argc, argv); !s.ok()) {
//     std::cerr << s.message() << "\n\n" << flags.Usage();
//     return 2;
//   }
//   int port = flags.GetInt("port");
//
// Parse rejects unknown flags, missing values and values of the wrong type
// with InvalidArgument naming the flag (or variable) and the bad value.
// Thread-compatible.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace photon {

class FlagSet {
 public:
  FlagSet(std::string program, std::string summary);

  void AddString(const std::string& name, const std::string& default_value, const std::string& help);
  void AddInt(const std::string& name, int64_t default_value, const std::string& help);
  void AddDouble(const std::string& name, double default_value, const std::string& help);
  // Booleans take `--name`, `--name=true|false|1|0`; PHOTON_<NAME>=1|true|0|false.
  void AddBool(const std::string& name, bool default_value, const std::string& help);

  // Parses argv[first..argc). Arguments that do not start with "--" are
  // collected as positional arguments; "--" ends flag parsing.
  absl::Status Parse(int argc, const char* const* argv, int first = 1);
  absl::Status Parse(const std::vector<std::string>& args);

  // REQUIRES: `name` was added with the matching type (a mismatch is a bug: fatal).
  std::string GetString(const std::string& name) const;
  int64_t GetInt(const std::string& name) const;
  double GetDouble(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  // True when the value came from the command line or the environment.
  bool IsSet(const std::string& name) const;

  const std::vector<std::string>& positional() const { return positional_; }
  const std::string& program() const { return program_; }

  // "usage: <program> [flags]" followed by each flag, its variable, default and help.
  std::string Usage() const;

  // "PHOTON_" + upper-cased name with '-' -> '_'.
  static std::string EnvName(const std::string& flag_name);

 private:
  enum class Type { kString, kInt, kDouble, kBool };
  struct Flag {
    Type type;
    std::string help;
    std::string default_text;
    std::string value;  // text form, validated for its type
    bool set = false;
  };

  void Add(const std::string& name, Type type, std::string default_text, const std::string& help);
  absl::Status Assign(const std::string& name, Flag& flag, const std::string& value,
                      const std::string& source);
  const Flag& Find(const std::string& name, Type type) const;

  std::string program_;
  std::string summary_;
  std::map<std::string, Flag> flags_;
  std::vector<std::string> order_;
  std::vector<std::string> positional_;
};

}  // namespace photon
