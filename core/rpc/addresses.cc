#include "core/rpc/addresses.h"

#include "absl/strings/str_cat.h"

namespace photon {
namespace rpc {

std::string HostPort(const std::string& host, int port) { return absl::StrCat(host, ":", port); }

std::string HostPort(const Address& address) { return HostPort(address.ip(), address.port()); }

std::string RayletAddress(const GcsNodeInfo& node) { return HostPort(node.node_ip(), node.raylet_port()); }

std::string ObjectManagerAddress(const GcsNodeInfo& node) {
  return HostPort(node.node_ip(), node.object_manager_port());
}

}  // namespace rpc
}  // namespace photon
