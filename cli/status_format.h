#pragma once

// Renders `photon status`: nodes alive and dead with their resources, and
// cluster-wide used/total per resource, in the shape of `ray status`.
//
//   std::cout << FormatStatus(nodes, usages, absl::Now());
//
// Memory resources print in bytes units (KiB, MiB, GiB); per-node
// `node:<ip>` markers are left out of the totals.

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace cli {

std::string FormatStatus(const std::vector<rpc::GcsNodeInfo>& nodes,
                         const std::vector<rpc::ResourceUsage>& usages, absl::Time now);

// "512B", "1.50KiB", "2.00GiB".
std::string FormatBytes(double bytes);

}  // namespace cli
}  // namespace photon
