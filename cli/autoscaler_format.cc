#include "cli/autoscaler_format.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace photon {
namespace cli {
namespace {

std::string Shape(const nlohmann::json& resources) {
  std::vector<std::string> parts;
  for (auto& [name, amount] : resources.items()) {
    if (amount.is_number()) parts.push_back(absl::StrCat(amount.get<double>(), " ", name));
  }
  return absl::StrCat("{", absl::StrJoin(parts, ", "), "}");
}

}  // namespace

std::string FormatAutoscaler(const std::string& report_json) {
  if (report_json.empty()) return "";
  nlohmann::json r = nlohmann::json::parse(report_json, nullptr, false);
  if (!r.is_object()) return "\nAutoscaler\n (its report is unreadable)\n";
  std::string out = "\nAutoscaler\n--------------------------------------------------------------------\nNode types:\n";
  for (const nlohmann::json& t : r.value("node_types", nlohmann::json::array())) {
    absl::StrAppend(&out, " ", t.value("name", "?"), ": ", Shape(t.value("resources", nlohmann::json::object())),
                    ", min ", t.value("min_workers", 0), ", max ", t.value("max_workers", 0), "\n");
  }
  std::map<std::string, std::vector<std::string>> by_state;
  for (const nlohmann::json& i : r.value("instances", nlohmann::json::array())) {
    by_state[i.value("state", "?")].push_back(absl::StrCat(i.value("id", "?"), " (", i.value("node_type", "?"), ")"));
  }
  absl::StrAppend(&out, "Launches in flight: ", r.value("launches_in_flight", 0), "; failed launches: ",
                  r.value("failed_launches", 0), "\n");
  for (const auto& [state, ids] : by_state) {
    absl::StrAppend(&out, " ", state, ": ", absl::StrJoin(ids, ", "), "\n");
  }
  const nlohmann::json infeasible = r.value("infeasible", nlohmann::json::array());
  absl::StrAppend(&out, "Infeasible demand:", infeasible.empty() ? " (none)" : "", "\n");
  for (const nlohmann::json& f : infeasible) {
    absl::StrAppend(&out, " ", f.value("count", 0), " x ", Shape(f.value("shape", nlohmann::json::object())), ": ",
                    f.value("reason", ""), "\n");
  }
  absl::StrAppend(&out, "Recent decisions:\n");
  for (const nlohmann::json& d : r.value("recent_decisions", nlohmann::json::array())) {
    if (d.is_string()) absl::StrAppend(&out, " ", d.get<std::string>(), "\n");
  }
  return out;
}

}  // namespace cli
}  // namespace photon
