// The placement group table across a GCS restart on Redis: placed groups
// keep their bundles where they are (nothing is placed twice), groups still
// being placed carry on, names come back, and bundles on a node that died
// meanwhile are placed again. No raylet runs: RPCs to nodes fail, which is
// what a group that must not be placed again never sends. Also: where a
// bundle is, for those that wait for it, and what its removal tells them.

#include "gcs/placement_group_manager.h"

#include <future>
#include <memory>
#include <set>
#include <vector>

#include "core/common/free_port.h"
#include "core/common/status_macros.h"
#include "gcs/gcs_for_test.h"
#include "gcs/store/redis_server_for_test.h"
#include "gcs/stored_table.h"
#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

const JobID kJob = JobID::FromInt(1);

rpc::PlacementGroupTableData Group(const std::string& name, const std::string& resource, int bundles) {
  rpc::PlacementGroupTableData data;
  data.set_placement_group_id(PlacementGroupID::Of(kJob).Binary());
  data.set_job_id(kJob.Binary());
  data.set_name(name);
  data.set_namespace_("ns");
  data.set_strategy(rpc::SPREAD_BUNDLES);
  for (int i = 0; i < bundles; i++) (*data.add_bundles()->mutable_resources()->mutable_amounts())[resource] = 1;
  return data;
}

// The row of a group the old GCS placed: bundle i on nodes[i].
rpc::PlacementGroupTableData Placed(rpc::PlacementGroupTableData data, const std::vector<NodeID>& nodes) {
  data.set_state(rpc::PG_CREATED);
  for (int i = 0; i < data.bundles_size(); i++) {
    rpc::Bundle& b = *data.mutable_bundles(i);
    b.set_placement_group_id(data.placement_group_id());
    b.set_bundle_index(i);
    b.set_node_id(nodes[i].Binary());
  }
  return data;
}

rpc::GcsNodeInfo Node(const NodeID& id) {
  rpc::GcsNodeInfo info;
  info.set_node_id(id.Binary());
  info.set_node_ip("127.0.0.1");
  info.set_raylet_port(*PickFreePort());  // nothing answers there
  (*info.mutable_resources_total()->mutable_amounts())["CPU"] = 4;
  return info;
}

class PlacementGroupReloadTest : public GcsOnRedisTest {
 protected:
  static void PutRow(GcsForTest& gcs, const rpc::PlacementGroupTableData& row) {
    StoredTable<rpc::PlacementGroupTableData> table(gcs.store(), PlacementGroupManager::kTable);
    ASSERT_TRUE(gcs.Run([&] { return table.Put(row.placement_group_id(), row); }).ok());
  }

  static rpc::PlacementGroupTableData Get(GcsForTest& gcs, const std::string& id) {
    absl::StatusOr<rpc::PlacementGroupTableData> g =
        gcs.Run([&] { return gcs.groups().Get(*PlacementGroupID::FromBinary(id)); });
    EXPECT_TRUE(g.ok()) << g.status();
    return g.value_or(rpc::PlacementGroupTableData());
  }
};

TEST_F(PlacementGroupReloadTest, PlacedGroupsStayPlacedAndPendingOnesCarryOn) {
  const NodeID a = NodeID::FromRandom();
  const NodeID b = NodeID::FromRandom();
  const rpc::PlacementGroupTableData placed = Placed(Group("placed", "CPU", 2), {a, b});
  const rpc::PlacementGroupTableData pending = Group("pending", "GPU", 1);  // no node has one
  const rpc::PlacementGroupTableData removed = Group("removed", "GPU", 1);
  {
    std::unique_ptr<GcsForTest> gcs = StartGcs();
    for (const NodeID& n : {a, b}) ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().Register(Node(n)); }).ok());
    PutRow(*gcs, placed);
    ASSERT_TRUE(gcs->Run([&] { return gcs->groups().Create(pending); }).ok());
    ASSERT_TRUE(gcs->Run([&] { return gcs->groups().Create(removed); }).ok());
    const PlacementGroupID removed_id = *PlacementGroupID::FromBinary(removed.placement_group_id());
    ASSERT_TRUE(gcs->Run([&] { return gcs->groups().Remove(removed_id); }).ok());
  }

  std::unique_ptr<GcsForTest> gcs = StartGcs();
  // Placed: as it was, and ready for whoever waits on it.
  rpc::PlacementGroupTableData g = Get(*gcs, placed.placement_group_id());
  EXPECT_EQ(g.state(), rpc::PG_CREATED);
  EXPECT_EQ(g.bundles(0).node_id(), a.Binary());
  EXPECT_EQ(g.bundles(1).node_id(), b.Binary());
  std::promise<absl::StatusOr<bool>> ready;
  gcs->Run([&] {
    gcs->groups().WhenReady(*PlacementGroupID::FromBinary(placed.placement_group_id()), std::chrono::milliseconds(0),
                            [&](absl::StatusOr<bool> r) { ready.set_value(r); });
    return true;
  });
  absl::StatusOr<bool> is_ready = ready.get_future().get();
  ASSERT_TRUE(is_ready.ok()) << is_ready.status();
  EXPECT_TRUE(*is_ready);
  // Pending: still pending, for the same reason as before the restart.
  ASSERT_TRUE(gcs->WaitUntil([&] {
    return gcs->groups().Get(*PlacementGroupID::FromBinary(pending.placement_group_id()))->pending_reason() != "";
  }));
  g = Get(*gcs, pending.placement_group_id());
  EXPECT_EQ(g.state(), rpc::PG_PENDING);
  EXPECT_NE(g.pending_reason().find("no alive node can ever hold it"), std::string::npos) << g.pending_reason();
  // Names: back for the live groups, free for the removed one.
  absl::StatusOr<rpc::PlacementGroupTableData> named = gcs->Run([&] { return gcs->groups().GetNamed("placed", "ns"); });
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->placement_group_id(), placed.placement_group_id());
  EXPECT_TRUE(gcs->Run([&] { return gcs->groups().GetNamed("pending", "ns").ok(); }));
  EXPECT_EQ(Get(*gcs, removed.placement_group_id()).state(), rpc::PG_REMOVED);
  rpc::PlacementGroupTableData taken = Group("pending", "GPU", 1);
  EXPECT_EQ(gcs->Run([&] { return gcs->groups().Create(taken); }).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(gcs->Run([&] { return gcs->groups().Create(Group("removed", "GPU", 1)); }).ok());
}

TEST_F(PlacementGroupReloadTest, BundlesOnANodeThatDiedMeanwhileArePlacedAgain) {
  const NodeID alive = NodeID::FromRandom();
  const NodeID dead = NodeID::FromRandom();
  const rpc::PlacementGroupTableData placed = Placed(Group("g", "CPU", 2), {alive, dead});
  {
    std::unique_ptr<GcsForTest> gcs = StartGcs();
    for (const NodeID& n : {alive, dead}) ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().Register(Node(n)); }).ok());
    ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().MarkDead(dead, "health check failed"); }).ok());
    PutRow(*gcs, placed);
  }
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  rpc::PlacementGroupTableData g = Get(*gcs, placed.placement_group_id());
  EXPECT_EQ(g.state(), rpc::PG_RESCHEDULING);
  EXPECT_EQ(g.bundles(0).node_id(), alive.Binary()) << "the bundle on the alive node stays";
  EXPECT_TRUE(g.bundles(1).node_id().empty());
}

TEST_F(PlacementGroupReloadTest, ChangesRedisDoesNotTakeAreRefused) {
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  const rpc::PlacementGroupTableData group = Group("g", "GPU", 1);
  ASSERT_TRUE(gcs->Run([&] { return gcs->groups().Create(group); }).ok());
  redis_->Kill();
  const PlacementGroupID id = *PlacementGroupID::FromBinary(group.placement_group_id());
  absl::Status removed = gcs->Run([&] { return gcs->groups().Remove(id); });
  EXPECT_EQ(removed.code(), absl::StatusCode::kUnavailable) << removed;
  EXPECT_NE(removed.message().find("remove placement group " + id.Hex() + ": storing placement_groups row"),
            std::string::npos)
      << removed;
  EXPECT_EQ(Get(*gcs, group.placement_group_id()).state(), rpc::PG_PENDING) << "nothing removed";
  absl::Status created = gcs->Run([&] { return gcs->groups().Create(Group("h", "GPU", 1)); });
  EXPECT_EQ(created.code(), absl::StatusCode::kUnavailable) << created;
  EXPECT_FALSE(gcs->Run([&] { return gcs->groups().GetNamed("h", "ns").ok(); }));
}

TEST_F(PlacementGroupReloadTest, BundleLookupsWaitForPlacementAndEndWithRemoval) {
  const NodeID a = NodeID::FromRandom();
  const NodeID b = NodeID::FromRandom();
  const rpc::PlacementGroupTableData placed = Placed(Group("placed", "CPU", 2), {a, b});
  {
    std::unique_ptr<GcsForTest> gcs = StartGcs();
    for (const NodeID& n : {a, b}) ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().Register(Node(n)); }).ok());
    PutRow(*gcs, placed);
  }
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  std::vector<PlacementGroupID> removed;
  std::vector<PlacementGroupID> cancelled;
  gcs->Run([&] {
    gcs->groups().SetOnRemoved([&](const PlacementGroupID& id) { removed.push_back(id); },
                               [&](const PlacementGroupID& id) { cancelled.push_back(id); });
    return true;
  });
  const PlacementGroupID placed_id = *PlacementGroupID::FromBinary(placed.placement_group_id());
  auto locate = [&](const PlacementGroupID& id, int bundle) {
    auto answer = std::make_shared<std::promise<absl::StatusOr<NodeID>>>();
    gcs->Run([&] {
      gcs->groups().WhenBundlePlaced(id, bundle, [answer](absl::StatusOr<NodeID> n) { answer->set_value(n); });
      return true;
    });
    return answer->get_future();
  };
  EXPECT_EQ(locate(placed_id, 1).get().value_or(NodeID::Nil()), b);
  // Any bundle (-1): each of the group's nodes in turn.
  std::set<NodeID> any = {locate(placed_id, -1).get().value_or(NodeID::Nil()),
                          locate(placed_id, -1).get().value_or(NodeID::Nil())};
  EXPECT_EQ(any, (std::set<NodeID>{a, b}));
  absl::StatusOr<NodeID> out_of_range = locate(placed_id, 2).get();
  EXPECT_EQ(out_of_range.status().code(), absl::StatusCode::kInvalidArgument) << out_of_range.status();
  EXPECT_EQ(locate(PlacementGroupID::Of(kJob), 0).get().status().code(), absl::StatusCode::kNotFound);

  // A group no node can hold: the lookup waits, and its removal ends it.
  const rpc::PlacementGroupTableData pending = Group("pending", "GPU", 1);
  ASSERT_TRUE(gcs->Run([&] { return gcs->groups().Create(pending); }).ok());
  const PlacementGroupID pending_id = *PlacementGroupID::FromBinary(pending.placement_group_id());
  std::future<absl::StatusOr<NodeID>> waiting = locate(pending_id, 0);
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  ASSERT_TRUE(gcs->Run([&] { return gcs->groups().Remove(pending_id); }).ok());
  absl::StatusOr<NodeID> ended = waiting.get();
  EXPECT_EQ(ended.status().code(), absl::StatusCode::kFailedPrecondition) << ended.status();
  EXPECT_NE(ended.status().message().find("was removed"), std::string::npos) << ended.status();
  EXPECT_EQ(gcs->Run([&] { return removed; }), std::vector<PlacementGroupID>{pending_id});
  EXPECT_EQ(gcs->Run([&] { return cancelled; }), std::vector<PlacementGroupID>{pending_id});  // (on no node)
}

TEST_F(PlacementGroupReloadTest, GetAllListsLiveGroupsThenTheRemovedNewestFirst) {
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  const rpc::PlacementGroupTableData live = Group("live", "GPU", 1);
  const rpc::PlacementGroupTableData first = Group("first", "GPU", 1);
  const rpc::PlacementGroupTableData second = Group("second", "GPU", 2);
  ASSERT_TRUE(gcs->Run([&]() -> absl::Status {
                   for (const auto& g : {live, first, second}) RETURN_IF_ERROR(gcs->groups().Create(g));
                   RETURN_IF_ERROR(gcs->groups().Remove(*PlacementGroupID::FromBinary(first.placement_group_id())));
                   return gcs->groups().Remove(*PlacementGroupID::FromBinary(second.placement_group_id()));
                 }).ok());
  rpc::GetAllPlacementGroupReply all = gcs->Run([&] { return gcs->groups().GetAll(0); });
  ASSERT_EQ(all.groups_size(), 3);
  EXPECT_EQ(all.total(), 3);
  EXPECT_EQ(all.groups(0).name(), "live");
  EXPECT_EQ(all.groups(0).state(), rpc::PG_PENDING);
  EXPECT_GT(all.groups(0).create_time_ms(), 0);
  EXPECT_EQ(all.groups(0).remove_time_ms(), 0);
  EXPECT_EQ(all.groups(1).name(), "second") << "the latest removal first";
  EXPECT_EQ(all.groups(1).state(), rpc::PG_REMOVED);
  EXPECT_EQ(all.groups(1).bundles_size(), 2);
  EXPECT_GE(all.groups(1).remove_time_ms(), all.groups(1).create_time_ms());
  EXPECT_EQ(all.groups(2).name(), "first");
  rpc::GetAllPlacementGroupReply one = gcs->Run([&] { return gcs->groups().GetAll(1); });
  EXPECT_EQ(one.groups_size(), 1);
  EXPECT_EQ(one.total(), 3);
}

TEST_F(PlacementGroupReloadTest, OnlyTheNewestRemovedGroupsAreKeptAlsoAcrossARestart) {
  constexpr size_t kMax = PlacementGroupManager::kMaxRemovedGroups;
  constexpr size_t kExtra = 3;
  std::vector<rpc::PlacementGroupTableData> groups;
  for (size_t i = 0; i < kMax + kExtra; i++) groups.push_back(Group("", "GPU", 1));
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  ASSERT_TRUE(gcs->Run([&]() -> absl::Status {
                   for (const auto& g : groups) {
                     RETURN_IF_ERROR(gcs->groups().Create(g));
                     RETURN_IF_ERROR(gcs->groups().Remove(*PlacementGroupID::FromBinary(g.placement_group_id())));
                   }
                   return absl::OkStatus();
                 }).ok());
  ASSERT_TRUE(gcs->WaitUntil([&] { return gcs->groups().GetAll(0).total() == static_cast<int64_t>(kMax); }));
  const auto known = [&](GcsForTest& g, size_t i) {
    return g.Run([&] { return g.groups().Get(*PlacementGroupID::FromBinary(groups[i].placement_group_id())).ok(); });
  };
  for (size_t i = 0; i < kExtra; i++) EXPECT_FALSE(known(*gcs, i)) << "the oldest removals are forgotten";
  EXPECT_TRUE(known(*gcs, kExtra));
  gcs.reset();

  gcs = StartGcs();
  StoredTable<rpc::PlacementGroupTableData> table(gcs->store(), PlacementGroupManager::kTable);
  EXPECT_EQ(gcs->Run([&] { return table.LoadAll()->size(); }), kMax);
  EXPECT_EQ(gcs->Run([&] { return gcs->groups().GetAll(0).total(); }), static_cast<int64_t>(kMax));
  EXPECT_FALSE(known(*gcs, 0));
  EXPECT_TRUE(known(*gcs, kMax + kExtra - 1));
}

}  // namespace
}  // namespace gcs
}  // namespace photon
