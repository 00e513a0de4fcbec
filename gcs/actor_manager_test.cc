// The actor table across a GCS restart on Redis: what a new GCS loads from
// the rows the old one wrote, and what it does with each actor. No raylet
// or worker runs here: actors either wait for a node, or were ALIVE on a
// node that is gone, so the new GCS must restart or end them.

#include "gcs/actor_manager.h"

#include <memory>

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

rpc::ActorTableData Actor(const std::string& name, bool detached = false, int max_restarts = 0) {
  const ActorID id = ActorID::Of(kJob);
  rpc::ActorTableData data;
  data.set_actor_id(id.Binary());
  data.set_job_id(kJob.Binary());
  data.set_name(name);
  data.set_namespace_("ns");
  data.set_detached(detached);
  data.set_max_restarts(max_restarts);
  data.set_class_name("Counter");
  rpc::TaskSpec& spec = *data.mutable_creation_spec();
  spec.set_task_id(TaskID::Of(id).Binary());
  spec.set_job_id(kJob.Binary());
  spec.set_function_name("Counter");
  spec.set_actor_id(id.Binary());
  spec.set_actor_creation(true);
  return data;
}

rpc::GcsNodeInfo Node(const NodeID& id, int raylet_port) {
  rpc::GcsNodeInfo info;
  info.set_node_id(id.Binary());
  info.set_node_ip("127.0.0.1");
  info.set_raylet_port(raylet_port);
  (*info.mutable_resources_total()->mutable_amounts())["CPU"] = 1;
  return info;
}

// The row a GCS writes for an actor ALIVE on `node`, whose worker and
// raylet listen on ports nothing listens on any more.
rpc::ActorTableRow AliveRow(rpc::ActorTableData data, const NodeID& node, int num_restarts) {
  rpc::ActorTableRow row;
  data.set_state(rpc::ALIVE);
  data.set_num_restarts(num_restarts);
  rpc::Address& worker = *data.mutable_address();
  worker.set_ip("127.0.0.1");
  worker.set_port(*PickFreePort());
  worker.set_node_id(node.Binary());
  worker.set_worker_id(WorkerID::FromRandom().Binary());
  *row.mutable_data() = std::move(data);
  row.set_lease_id(7);
  row.set_raylet_address("127.0.0.1:" + std::to_string(*PickFreePort()));
  return row;
}

class ActorManagerReloadTest : public GcsOnRedisTest {
 protected:
  static void PutRow(GcsForTest& gcs, const rpc::ActorTableRow& row) {
    StoredTable<rpc::ActorTableRow> table(gcs.store(), ActorManager::kTable);
    ASSERT_TRUE(gcs.Run([&] { return table.Put(row.data().actor_id(), row); }).ok());
  }

  static rpc::ActorTableData Get(GcsForTest& gcs, const std::string& id) {
    absl::StatusOr<rpc::ActorTableData> a = gcs.Run([&] { return gcs.actors().Get(*ActorID::FromBinary(id)); });
    EXPECT_TRUE(a.ok()) << a.status();
    return a.value_or(rpc::ActorTableData());
  }
};

TEST_F(ActorManagerReloadTest, NamesDetachedAndDeadActorsSurviveARestart) {
  const rpc::ActorTableData named = Actor("named");
  const rpc::ActorTableData detached = Actor("keeper", /*detached=*/true);
  const rpc::ActorTableData killed = Actor("killed");
  {
    std::unique_ptr<GcsForTest> gcs = StartGcs();
    // No node: each waits for a lease, PENDING_CREATION.
    for (const rpc::ActorTableData& a : {named, detached, killed}) {
      ASSERT_TRUE(gcs->Run([&] { return gcs->actors().Register(a); }).ok());
    }
    ASSERT_TRUE(gcs->Run([&] { return gcs->actors().Kill(*ActorID::FromBinary(killed.actor_id()), true); }).ok());
  }  // the crash

  std::unique_ptr<GcsForTest> gcs = StartGcs();
  absl::StatusOr<rpc::ActorTableData> found = gcs->Run([&] { return gcs->actors().GetNamed("named", "ns"); });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->actor_id(), named.actor_id());
  EXPECT_EQ(found->state(), rpc::PENDING_CREATION);
  found = gcs->Run([&] { return gcs->actors().GetNamed("keeper", "ns"); });
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->detached());
  EXPECT_FALSE(found->has_creation_spec()) << "the constructor call is the GCS's own";
  const rpc::ActorTableData dead = Get(*gcs, killed.actor_id());
  EXPECT_EQ(dead.state(), rpc::DEAD);
  EXPECT_EQ(dead.death_cause().kind(), rpc::ActorDeathCause::KILLED);

  // Names: a live actor's is still taken, a dead one's is free again.
  rpc::ActorTableData same_name = Actor("named");
  absl::Status taken = gcs->Run([&] { return gcs->actors().Register(same_name); });
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists) << taken;
  EXPECT_EQ(taken.message(), "an actor named 'named' already exists in namespace 'ns'");
  EXPECT_TRUE(gcs->Run([&] { return gcs->actors().Register(Actor("killed")); }).ok());
  // A register call retried across the restart finds its actor: OK.
  EXPECT_TRUE(gcs->Run([&] { return gcs->actors().Register(named); }).ok());
  // The snapshot subscribers get after the restart has every actor.
  EXPECT_EQ(gcs->Run([&] { return gcs->actors().Snapshot().size(); }), 4u);
}

TEST_F(ActorManagerReloadTest, AliveActorsOnANodeThatDiedRestartOrEndByTheirRestartCount) {
  const NodeID gone = NodeID::FromRandom();
  const rpc::ActorTableRow restarts = AliveRow(Actor("restarts", false, /*max_restarts=*/2), gone, 1);
  const rpc::ActorTableRow spent = AliveRow(Actor("spent", false, /*max_restarts=*/1), gone, 1);
  {
    std::unique_ptr<GcsForTest> gcs = StartGcs();
    ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().Register(Node(gone, *PickFreePort())); }).ok());
    ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().MarkDead(gone, "health check failed"); }).ok());
    PutRow(*gcs, restarts);
    PutRow(*gcs, spent);
  }

  std::unique_ptr<GcsForTest> gcs = StartGcs();
  const std::string& id = restarts.data().actor_id();
  ASSERT_TRUE(gcs->WaitUntil([&] { return gcs->actors().Get(*ActorID::FromBinary(id))->state() == rpc::RESTARTING; }));
  EXPECT_EQ(Get(*gcs, id).num_restarts(), 2);
  EXPECT_FALSE(Get(*gcs, id).has_address());
  ASSERT_TRUE(gcs->WaitUntil(
      [&] { return gcs->actors().Get(*ActorID::FromBinary(spent.data().actor_id()))->state() == rpc::DEAD; }));
  const rpc::ActorTableData dead = Get(*gcs, spent.data().actor_id());
  EXPECT_EQ(dead.death_cause().kind(), rpc::ActorDeathCause::NODE_DIED);
  EXPECT_EQ(dead.death_cause().message(), "the node running the actor died while the GCS was down");
  EXPECT_EQ(dead.num_restarts(), 1);
  gcs.reset();

  // The restart count was stored: a third GCS sees it, and the actor
  // still waiting for a node is being created again.
  gcs = StartGcs();
  EXPECT_EQ(Get(*gcs, id).num_restarts(), 2);
  EXPECT_EQ(Get(*gcs, id).state(), rpc::RESTARTING);
  EXPECT_TRUE(gcs->Run([&] { return gcs->actors().GetNamed("restarts", "ns").ok(); }));
  EXPECT_FALSE(gcs->Run([&] { return gcs->actors().GetNamed("spent", "ns").ok(); }));
}

TEST_F(ActorManagerReloadTest, AliveActorWhoseWorkerIsGoneRestarts) {
  // Its node is alive as far as the table knows, but neither its worker nor
  // its raylet answers: the reconnection fails and the probe says the node died.
  const NodeID node = NodeID::FromRandom();
  const rpc::ActorTableRow row = AliveRow(Actor("a", false, /*max_restarts=*/-1), node, 0);
  {
    std::unique_ptr<GcsForTest> gcs = StartGcs();
    ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().Register(Node(node, *PickFreePort())); }).ok());
    PutRow(*gcs, row);
  }
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  const ActorID id = *ActorID::FromBinary(row.data().actor_id());
  ASSERT_TRUE(gcs->WaitUntil([&] { return gcs->actors().Get(id)->num_restarts() == 1; }));
  EXPECT_EQ(Get(*gcs, row.data().actor_id()).state(), rpc::RESTARTING);
}

TEST_F(ActorManagerReloadTest, KillUnderWayAtTheCrashIsFinished) {
  // The old GCS was ending the worker of an actor killed for good.
  const NodeID node = NodeID::FromRandom();
  rpc::ActorTableRow row = AliveRow(Actor("doomed", false, /*max_restarts=*/-1), node, 0);
  row.set_kill_requested(true);
  row.set_no_restart(true);
  *row.mutable_kill_cause() = DeathCause(rpc::ActorDeathCause::KILLED, "the actor was killed");
  {
    std::unique_ptr<GcsForTest> gcs = StartGcs();
    ASSERT_TRUE(gcs->Run([&] { return gcs->nodes().Register(Node(node, *PickFreePort())); }).ok());
    PutRow(*gcs, row);
  }
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  const ActorID id = *ActorID::FromBinary(row.data().actor_id());
  ASSERT_TRUE(gcs->WaitUntil([&] { return gcs->actors().Get(id)->state() == rpc::DEAD; }));
  EXPECT_EQ(Get(*gcs, row.data().actor_id()).death_cause().kind(), rpc::ActorDeathCause::KILLED);
  EXPECT_EQ(Get(*gcs, row.data().actor_id()).num_restarts(), 0) << "killed for good, not restarted";
  EXPECT_FALSE(gcs->Run([&] { return gcs->actors().GetNamed("doomed", "ns").ok(); }));
}

TEST_F(ActorManagerReloadTest, ARegistrationRedisDoesNotTakeIsRefused) {
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  redis_->Kill();
  const rpc::ActorTableData a = Actor("lost");
  absl::Status s = gcs->Run([&] { return gcs->actors().Register(a); });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_NE(s.message().find("register actor " + ActorID::FromBinary(a.actor_id())->Hex() + ": storing actors row"),
            std::string::npos)
      << s;
  // Nothing half-registered: the name stays free.
  EXPECT_FALSE(gcs->Run([&] { return gcs->actors().GetNamed("lost", "ns").ok(); }));
}

TEST_F(ActorManagerReloadTest, GetAllListsLiveActorsThenTheDeadNewestFirst) {
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  const rpc::ActorTableData a = Actor("a");
  const rpc::ActorTableData b = Actor("b");
  const rpc::ActorTableData c = Actor("c");
  ASSERT_TRUE(gcs->Run([&]() -> absl::Status {
                   for (const rpc::ActorTableData& x : {a, b, c}) RETURN_IF_ERROR(gcs->actors().Register(x));
                   RETURN_IF_ERROR(gcs->actors().Kill(*ActorID::FromBinary(b.actor_id()), true));
                   return gcs->actors().Kill(*ActorID::FromBinary(c.actor_id()), true);
                 }).ok());
  const auto ids = [](const rpc::GetAllActorInfoReply& r) {
    std::vector<std::string> out;
    for (const rpc::ActorTableData& x : r.actors()) out.push_back(x.name());
    return out;
  };
  rpc::GetAllActorInfoReply all = gcs->Run([&] { return gcs->actors().GetAll(rpc::ACTOR_STATE_UNSPECIFIED, 0); });
  EXPECT_EQ(all.total(), 3);
  EXPECT_EQ(ids(all), (std::vector<std::string>{"a", "c", "b"})) << "live first, then the latest death";
  EXPECT_EQ(all.actors(0).state(), rpc::PENDING_CREATION);
  EXPECT_EQ(all.actors(1).death_cause().kind(), rpc::ActorDeathCause::KILLED);
  EXPECT_GT(all.actors(1).end_time_ms(), 0);
  EXPECT_FALSE(all.actors(1).has_creation_spec()) << "the constructor call is the GCS's own";

  rpc::GetAllActorInfoReply dead = gcs->Run([&] { return gcs->actors().GetAll(rpc::DEAD, 0); });
  EXPECT_EQ(ids(dead), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(dead.total(), 2);
  rpc::GetAllActorInfoReply pending = gcs->Run([&] { return gcs->actors().GetAll(rpc::PENDING_CREATION, 0); });
  EXPECT_EQ(ids(pending), (std::vector<std::string>{"a"}));
  EXPECT_EQ(gcs->Run([&] { return gcs->actors().GetAll(rpc::ALIVE, 0).total(); }), 0);
  rpc::GetAllActorInfoReply first_two = gcs->Run([&] { return gcs->actors().GetAll(rpc::ACTOR_STATE_UNSPECIFIED, 2); });
  EXPECT_EQ(ids(first_two), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(first_two.total(), 3) << "total counts what the limit cut";
}

TEST_F(ActorManagerReloadTest, OnlyTheNewestDeadActorsAreKeptAlsoAcrossARestart) {
  constexpr size_t kMax = ActorManager::kMaxDeadActors;
  constexpr size_t kExtra = 5;
  std::vector<rpc::ActorTableData> actors;
  for (size_t i = 0; i < kMax + kExtra; i++) actors.push_back(Actor(""));
  std::unique_ptr<GcsForTest> gcs = StartGcs();
  ASSERT_TRUE(gcs->Run([&]() -> absl::Status {
                   for (const rpc::ActorTableData& a : actors) {
                     RETURN_IF_ERROR(gcs->actors().Register(a));
                     RETURN_IF_ERROR(gcs->actors().Kill(*ActorID::FromBinary(a.actor_id()), true));
                   }
                   return absl::OkStatus();
                 }).ok());
  ASSERT_TRUE(gcs->WaitUntil([&] { return gcs->actors().GetAll(rpc::DEAD, 0).total() == static_cast<int64_t>(kMax); }));
  const auto known = [&](GcsForTest& g, size_t i) {
    return g.Run([&] { return g.actors().Get(*ActorID::FromBinary(actors[i].actor_id())).ok(); });
  };
  for (size_t i = 0; i < kExtra; i++) EXPECT_FALSE(known(*gcs, i)) << "the oldest deaths are forgotten";
  EXPECT_TRUE(known(*gcs, kExtra));
  EXPECT_EQ(gcs->Run([&] { return gcs->actors().GetAll(rpc::DEAD, 1).actors(0).actor_id(); }), actors.back().actor_id());
  gcs.reset();

  // Their rows went too: a restarted GCS loads only the kept ones.
  gcs = StartGcs();
  StoredTable<rpc::ActorTableRow> table(gcs->store(), ActorManager::kTable);
  EXPECT_EQ(gcs->Run([&] { return table.LoadAll()->size(); }), kMax);
  EXPECT_EQ(gcs->Run([&] { return gcs->actors().GetAll(rpc::ACTOR_STATE_UNSPECIFIED, 0).total(); }),
            static_cast<int64_t>(kMax));
  EXPECT_FALSE(known(*gcs, 0));
  EXPECT_TRUE(known(*gcs, kMax + kExtra - 1));
}

}  // namespace
}  // namespace gcs
}  // namespace photon
