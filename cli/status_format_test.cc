#include "cli/status_format.h"

#include "core/common/id.h"
#include "gtest/gtest.h"

namespace photon {
namespace cli {
namespace {

rpc::GcsNodeInfo Node(const NodeID& id, bool alive, double cpus) {
  rpc::GcsNodeInfo n;
  n.set_node_id(id.Binary());
  n.set_node_ip("127.0.0.1");
  n.set_raylet_port(40001);
  n.set_state(alive ? rpc::GcsNodeInfo::ALIVE : rpc::GcsNodeInfo::DEAD);
  if (!alive) n.set_death_reason("health check failed 5 times in a row");
  auto& a = *n.mutable_resources_total()->mutable_amounts();
  a["CPU"] = cpus;
  a["memory"] = 2.0 * 1024 * 1024 * 1024;
  a["node:127.0.0.1"] = 1;
  return n;
}

TEST(StatusFormatTest, AliveDeadAndTotals) {
  NodeID a = NodeID::FromRandom(), b = NodeID::FromRandom(), c = NodeID::FromRandom();
  std::vector<rpc::GcsNodeInfo> nodes = {Node(a, true, 4), Node(b, true, 2), Node(c, false, 8)};
  nodes[0].set_is_head(true);
  rpc::ResourceUsage usage;
  usage.set_node_id(a.Binary());
  *usage.mutable_total() = nodes[0].resources_total();
  *usage.mutable_available() = nodes[0].resources_total();
  (*usage.mutable_available()->mutable_amounts())["CPU"] = 1;
  usage.mutable_object_store()->set_used_bytes(3 << 20);
  usage.mutable_object_store()->set_spilled_bytes(1 << 20);
  usage.mutable_object_store()->set_num_objects(4);
  std::string text = FormatStatus(nodes, {usage}, absl::FromUnixSeconds(0));
  EXPECT_NE(text.find("Alive:\n 2 nodes\n"), std::string::npos) << text;
  EXPECT_NE(text.find(a.Hex() + " 127.0.0.1:40001 (head)"), std::string::npos) << text;
  EXPECT_NE(text.find("Dead:\n 1 node\n  " + c.Hex()), std::string::npos) << text;
  EXPECT_NE(text.find("health check failed 5 times in a row"), std::string::npos);
  EXPECT_NE(text.find(" 3.0/6.0 CPU\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" 0B/4.00GiB memory\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("node:127.0.0.1"), std::string::npos) << text;
  EXPECT_NE(text.find("object store: 3.00MiB used, 0B pinned, 1.00MiB spilled, 4 objects"), std::string::npos)
      << text;
}

TEST(StatusFormatTest, EmptyCluster) {
  std::string text = FormatStatus({}, {}, absl::FromUnixSeconds(0));
  EXPECT_NE(text.find("(no alive nodes)"), std::string::npos);
  EXPECT_NE(text.find("(no dead nodes)"), std::string::npos);
}

TEST(StatusFormatTest, Bytes) {
  EXPECT_EQ(FormatBytes(512), "512B");
  EXPECT_EQ(FormatBytes(1536), "1.50KiB");
  EXPECT_EQ(FormatBytes(3.0 * 1024 * 1024 * 1024), "3.00GiB");
}

}  // namespace
}  // namespace cli
}  // namespace photon
