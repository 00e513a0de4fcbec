#include "core/rpc/addresses.h"

#include "gtest/gtest.h"

namespace photon {
namespace rpc {
namespace {

TEST(AddressesTest, EachAddressIsHostColonPort) {
  GcsNodeInfo node;
  node.set_node_ip("10.0.0.5");
  node.set_raylet_port(41234);
  node.set_object_manager_port(41235);
  EXPECT_EQ(RayletAddress(node), "10.0.0.5:41234");
  EXPECT_EQ(ObjectManagerAddress(node), "10.0.0.5:41235");
  Address worker;
  worker.set_ip("127.0.0.1");
  worker.set_port(40000);
  EXPECT_EQ(HostPort(worker), "127.0.0.1:40000");
  EXPECT_EQ(HostPort("::1", 7), "::1:7");
}

}  // namespace
}  // namespace rpc
}  // namespace photon
