#include "core/http/prometheus_text.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace photon {
namespace http {
namespace {

std::string Escape(const std::string& value, bool quote) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) return absl::StrFormat("%.0f", value);
  return absl::StrFormat("%.17g", value);
}

}  // namespace

void PrometheusText::Family(const std::string& name, const std::string& type, const std::string& help) {
  absl::StrAppend(&text_, "# HELP ", name, " ", Escape(help, false), "\n# TYPE ", name, " ", type, "\n");
}

void PrometheusText::Sample(const std::string& name, const Labels& labels, double value) {
  absl::StrAppend(&text_, name);
  if (!labels.empty()) {
    text_ += '{';
    bool first = true;
    for (const auto& [label, v] : labels) {
      absl::StrAppend(&text_, first ? "" : ",", label, "=\"", Escape(v, true), "\"");
      first = false;
    }
    text_ += '}';
  }
  absl::StrAppend(&text_, " ", Number(value), "\n");
}

}  // namespace http
}  // namespace photon
