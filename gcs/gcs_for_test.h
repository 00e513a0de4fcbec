#pragma once

// GcsForTest: the GCS's managers over a real Redis, on a loop of their own,
// for tests of what a GCS restarted on Redis finds and does (the managers'
// Initialize). Destroying one is the SIGKILL: its loop stops first, so
// nothing of it runs afterwards, and the next one starts from the store.
//
//   auto redis = RedisServerForTest::Start();
//   auto first = std::make_unique<GcsForTest>((*redis)->port());
//   ASSERT_TRUE(first->Start().ok());
//   first->Run([&] { return first->actors().Register(data); });
//   first.reset();                                   // the crash
//   GcsForTest second((*redis)->port());
//   ASSERT_TRUE(second.Start().ok());                // reloads the tables
//
// The managers run only on the loop: touch them inside Run.

#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <type_traits>

#include "absl/status/status.h"
#include "core/common/event_loop.h"
#include "core/common/status_macros.h"
#include "gcs/actor_manager.h"
#include "gcs/node_manager.h"
#include "gcs/placement_group_manager.h"
#include "gcs/publisher.h"
#include "gcs/resource_manager.h"
#include "gcs/store/redis_server_for_test.h"
#include "gcs/store/redis_store_client.h"
#include "gtest/gtest.h"

namespace photon {
namespace gcs {

class GcsForTest {
 public:
  explicit GcsForTest(int redis_port) {
    loop_.StartThread("gcs-for-test");
    connected_ = Run([&] {
      absl::StatusOr<std::unique_ptr<RedisStoreClient>> store = RedisStoreClient::Connect("127.0.0.1", redis_port);
      if (!store.ok()) return store.status();
      store_ = std::move(*store);
      publisher_ = std::make_unique<Publisher>("epoch", Publisher::Options(),
                                               [this](std::chrono::milliseconds delay, std::function<void()> fn) {
                                                 loop_.RunAfter("Test.PollTimeout", delay, std::move(fn));
                                               });
      nodes_ = std::make_unique<NodeManager>(*store_, *publisher_, [] { return int64_t{1000}; });
      resources_ = std::make_unique<ResourceManager>(*nodes_, *publisher_);
      actors_ = std::make_unique<ActorManager>(loop_, "token", *nodes_, *publisher_, *store_);
      groups_ = std::make_unique<PlacementGroupManager>(loop_, "token", *nodes_, *resources_, *store_);
      actors_->SetBundleLocator([this](const PlacementGroupID& group, int bundle,
                                       std::function<void(absl::StatusOr<NodeID>)> done) {
        groups_->WhenBundlePlaced(group, bundle, std::move(done));
      });
      NodeManager::Listener listener;
      listener.on_alive = [this](const rpc::GcsNodeInfo& n) { resources_->OnNodeAlive(n); };
      listener.on_dead = [this](const rpc::GcsNodeInfo& n) {
        resources_->OnNodeDead(n);
        groups_->OnNodeDead(*NodeID::FromBinary(n.node_id()));
        actors_->OnNodeDead(*NodeID::FromBinary(n.node_id()), n.death_reason());
      };
      nodes_->AddListener(std::move(listener));
      return absl::OkStatus();
    });
  }

  ~GcsForTest() {
    loop_.Stop();
    groups_.reset();
    actors_.reset();
    resources_.reset();
    nodes_.reset();
    publisher_.reset();
    store_.reset();
  }

  // Loads the tables, as GcsServer::Start does (nodes first).
  absl::Status Start() {
    return Run([&]() -> absl::Status {
      RETURN_IF_ERROR(connected_);
      RETURN_IF_ERROR(nodes_->Initialize());
      RETURN_IF_ERROR(actors_->Initialize());
      return groups_->Initialize();
    });
  }

  // Runs `fn` on the loop and returns what it returns.
  template <typename Fn>
  auto Run(Fn fn) -> std::invoke_result_t<Fn> {
    using Result = std::invoke_result_t<Fn>;
    std::promise<Result> done;
    loop_.Post("Test.Run", [&] { done.set_value(fn()); });
    return done.get_future().get();
  }

  // Polls `predicate` on the loop until it holds (true) or `timeout` passes.
  template <typename Fn>
  bool WaitUntil(Fn predicate, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Run(predicate)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  StoreClient& store() { return *store_; }
  NodeManager& nodes() { return *nodes_; }
  ActorManager& actors() { return *actors_; }
  PlacementGroupManager& groups() { return *groups_; }

 private:
  EventLoop loop_;
  absl::Status connected_;
  std::unique_ptr<StoreClient> store_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<NodeManager> nodes_;
  std::unique_ptr<ResourceManager> resources_;
  std::unique_ptr<ActorManager> actors_;
  std::unique_ptr<PlacementGroupManager> groups_;
};

// A fixture with a real Redis of its own: StartGcs starts a GcsForTest on
// the tables in it (destroying one is a crash; the next reloads).
class GcsOnRedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServerForTest::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
  }

  std::unique_ptr<GcsForTest> StartGcs() {
    auto gcs = std::make_unique<GcsForTest>(redis_->port());
    absl::Status started = gcs->Start();
    EXPECT_TRUE(started.ok()) << started;
    return gcs;
  }

  std::unique_ptr<RedisServerForTest> redis_;
};

}  // namespace gcs
}  // namespace photon
