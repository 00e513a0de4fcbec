#include "core/common/flags.h"

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "absl/strings/numbers.h"
#include "core/common/logging.h"

namespace photon {
namespace {

bool ParseBool(const std::string& text, bool* out) {
  if (text == "true" || text == "1" || text == "yes") {
    *out = true;
    return true;
  }
  if (text == "false" || text == "0" || text == "no") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::Add(const std::string& name, Type type, std::string default_text,
                  const std::string& help) {
  PHOTON_CHECK(flags_.count(name) == 0) << "flag --" << name << " added twice";
  Flag flag{type, help, default_text, default_text, false};
  flags_.emplace(name, std::move(flag));
  order_.push_back(name);
}

void FlagSet::AddString(const std::string& name, const std::string& default_value,
                        const std::string& help) {
  Add(name, Type::kString, default_value, help);
}

void FlagSet::AddInt(const std::string& name, int64_t default_value, const std::string& help) {
  Add(name, Type::kInt, std::to_string(default_value), help);
}

void FlagSet::AddDouble(const std::string& name, double default_value, const std::string& help) {
  std::ostringstream text;
  text << default_value;
  Add(name, Type::kDouble, text.str(), help);
}

void FlagSet::AddBool(const std::string& name, bool default_value, const std::string& help) {
  Add(name, Type::kBool, default_value ? "true" : "false", help);
}

std::string FlagSet::EnvName(const std::string& flag_name) {
  std::string env = "PHOTON_";
  for (char c : flag_name) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return env;
}

absl::Status FlagSet::Assign(const std::string& name, Flag& flag, const std::string& value,
                             const std::string& source) {
  auto bad = [&](const char* what) {
    return absl::InvalidArgumentError(source + " expects " + what + ", got '" + value + "'");
  };
  switch (flag.type) {
    case Type::kInt: {
      int64_t v;
      if (!absl::SimpleAtoi(value, &v)) return bad("an integer");
      break;
    }
    case Type::kDouble: {
      double v;
      if (!absl::SimpleAtod(value, &v)) return bad("a number");
      break;
    }
    case Type::kBool: {
      bool v;
      if (!ParseBool(value, &v)) return bad("true or false");
      break;
    }
    case Type::kString:
      break;
  }
  flag.value = value;
  flag.set = true;
  return absl::OkStatus();
}

absl::Status FlagSet::Parse(int argc, const char* const* argv, int first) {
  std::vector<std::string> args;
  for (int i = first; i < argc; i++) args.emplace_back(argv[i]);
  return Parse(args);
}

absl::Status FlagSet::Parse(const std::vector<std::string>& args) {
  // Environment first, so the command line overrides it.
  for (auto& [name, flag] : flags_) {
    const char* env = std::getenv(EnvName(name).c_str());
    if (env == nullptr) continue;
    absl::Status s = Assign(name, flag, env, EnvName(name));
    if (!s.ok()) return s;
  }
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    std::string body = arg.substr(2);
    size_t eq = body.find('=');
    std::string name = body.substr(0, eq);
    auto it = flags_.find(name);
    if (it == flags_.end()) return absl::InvalidArgumentError("unknown flag --" + name);
    Flag& flag = it->second;
    std::string value;
    if (eq != std::string::npos) {
      value = body.substr(eq + 1);
    } else if (flag.type == Type::kBool) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError("flag --" + name + " needs a value");
    }
    absl::Status s = Assign(name, flag, value, "--" + name);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

const FlagSet::Flag& FlagSet::Find(const std::string& name, Type type) const {
  auto it = flags_.find(name);
  PHOTON_CHECK(it != flags_.end()) << "flag --" << name << " was never added";
  PHOTON_CHECK(it->second.type == type) << "flag --" << name << " read as the wrong type";
  return it->second;
}

std::string FlagSet::GetString(const std::string& name) const {
  return Find(name, Type::kString).value;
}

int64_t FlagSet::GetInt(const std::string& name) const {
  int64_t v = 0;
  PHOTON_CHECK(absl::SimpleAtoi(Find(name, Type::kInt).value, &v));
  return v;
}

double FlagSet::GetDouble(const std::string& name) const {
  double v = 0;
  PHOTON_CHECK(absl::SimpleAtod(Find(name, Type::kDouble).value, &v));
  return v;
}

bool FlagSet::GetBool(const std::string& name) const {
  bool v = false;
  PHOTON_CHECK(ParseBool(Find(name, Type::kBool).value, &v));
  return v;
}

bool FlagSet::IsSet(const std::string& name) const {
  auto it = flags_.find(name);
  return it != flags_.end() && it->second.set;
}

std::string FlagSet::Usage() const {
  std::ostringstream out;
  out << "usage: " << program_ << " [flags]\n" << summary_ << "\n\nflags:\n";
  for (const std::string& name : order_) {
    const Flag& flag = flags_.at(name);
    out << "  --" << name;
    if (flag.type != Type::kBool) out << "=VALUE";
    out << "  (env " << EnvName(name) << "; default: "
        << (flag.default_text.empty() ? "\"\"" : flag.default_text) << ")\n      " << flag.help
        << "\n";
  }
  return out.str();
}

}  // namespace photon
