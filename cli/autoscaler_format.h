#pragma once

// Renders the autoscaler's part of `photon status` from the report it keeps
// in the GCS (JSON, see autoscaler/autoscaler.h): node types, launches in
// flight, its nodes by state, recent decisions and infeasible demand.
//
//   std::cout << FormatAutoscaler(status.autoscaler_report());  // "" when none runs

#include <string>

namespace photon {
namespace cli {

std::string FormatAutoscaler(const std::string& report_json);

}  // namespace cli
}  // namespace photon
