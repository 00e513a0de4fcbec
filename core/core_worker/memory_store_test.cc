#include "core/core_worker/memory_store.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace photon {
namespace {

using std::chrono::milliseconds;

ObjectID NewId() { return ObjectID::FromIndex(TaskID::Of(ActorID::Nil()), 1); }

StoredObject Value(std::string data) { return StoredObject{std::move(data), "", false}; }

TEST(MemoryStoreTest, PutThenGetIfPresent) {
  MemoryStore store;
  ObjectID id = NewId();
  EXPECT_EQ(store.GetIfPresent(id), nullptr);
  EXPECT_FALSE(store.Contains(id));
  ASSERT_TRUE(store.Put(id, StoredObject{"v", "err", true}).ok());
  auto value = store.GetIfPresent(id);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->data, "v");
  EXPECT_EQ(value->metadata, "err");
  EXPECT_TRUE(value->in_object_store);
  EXPECT_TRUE(store.Contains(id));
  EXPECT_EQ(store.size(), 1u);
}

TEST(MemoryStoreTest, PutTwiceIsAlreadyExistsAndKeepsFirstValue) {
  MemoryStore store;
  ObjectID id = NewId();
  ASSERT_TRUE(store.Put(id, Value("first")).ok());
  absl::Status status = store.Put(id, Value("second"));
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(status.message().find(id.Hex()), std::string::npos);
  EXPECT_EQ(store.GetIfPresent(id)->data, "first");
}

TEST(MemoryStoreTest, GetBlocksUntilPutFromAnotherThread) {
  MemoryStore store;
  ObjectID a = NewId(), b = NewId();
  ASSERT_TRUE(store.Put(a, Value("a")).ok());
  std::thread putter([&] {
    std::this_thread::sleep_for(milliseconds(50));
    ASSERT_TRUE(store.Put(b, Value("b")).ok());
  });
  auto values = store.Get({a, b, a}, MemoryStore::kForever);
  putter.join();
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0]->data, "a");
  EXPECT_EQ((*values)[1]->data, "b");
  EXPECT_EQ((*values)[2]->data, "a");
}

TEST(MemoryStoreTest, GetWithTimeoutSeesPutBeforeDeadline) {
  MemoryStore store;
  ObjectID id = NewId();
  std::thread putter([&] {
    std::this_thread::sleep_for(milliseconds(20));
    ASSERT_TRUE(store.Put(id, Value("x")).ok());
  });
  auto values = store.Get({id}, milliseconds(10000));
  putter.join();
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ((*values)[0]->data, "x");
}

TEST(MemoryStoreTest, GetTimeoutIsDeadlineExceededWithCounts) {
  MemoryStore store;
  ObjectID a = NewId(), b = NewId(), c = NewId();
  ASSERT_TRUE(store.Put(a, Value("a")).ok());
  auto start = std::chrono::steady_clock::now();
  auto values = store.Get({a, b, c}, milliseconds(50));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(50));
  ASSERT_EQ(values.status().code(), absl::StatusCode::kDeadlineExceeded);
  std::string message(values.status().message());
  EXPECT_NE(message.find("2 of 3"), std::string::npos) << message;
  EXPECT_NE(message.find(b.Hex()), std::string::npos) << message;
}

TEST(MemoryStoreTest, GetZeroTimeoutDoesNotWait) {
  MemoryStore store;
  ObjectID a = NewId(), b = NewId();
  ASSERT_TRUE(store.Put(a, Value("a")).ok());
  EXPECT_TRUE(store.Get({a}, milliseconds(0)).ok());
  auto missing = store.Get({a, b}, milliseconds(0));
  ASSERT_EQ(missing.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(std::string(missing.status().message()).find("1 of 2"), std::string::npos);
  EXPECT_TRUE(store.Get({}, milliseconds(0)).ok());
}

TEST(MemoryStoreTest, WaitReturnsOnceEnoughArePresent) {
  MemoryStore store;
  ObjectID a = NewId(), b = NewId(), c = NewId();
  ASSERT_TRUE(store.Put(a, Value("a")).ok());
  // One is already there: no waiting, even with "forever".
  EXPECT_EQ(store.Wait({a, b, c}, 1, MemoryStore::kForever), (std::vector<bool>{true, false, false}));
  std::thread putter([&] {
    std::this_thread::sleep_for(milliseconds(30));
    ASSERT_TRUE(store.Put(c, Value("c")).ok());
  });
  EXPECT_EQ(store.Wait({a, b, c}, 2, MemoryStore::kForever), (std::vector<bool>{true, false, true}));
  putter.join();
}

TEST(MemoryStoreTest, WaitTimesOutWithPartialResult) {
  MemoryStore store;
  ObjectID a = NewId(), b = NewId();
  ASSERT_TRUE(store.Put(a, Value("a")).ok());
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(store.Wait({a, b}, 2, milliseconds(30)), (std::vector<bool>{true, false}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(30));
  // num_objects above ids.size() is clamped, zero returns at once.
  EXPECT_EQ(store.Wait({a}, 5, MemoryStore::kForever), (std::vector<bool>{true}));
  EXPECT_EQ(store.Wait({b}, 0, MemoryStore::kForever), (std::vector<bool>{false}));
}

TEST(MemoryStoreTest, GetAsyncAfterPutRunsAtOnce) {
  MemoryStore store;
  ObjectID id = NewId();
  ASSERT_TRUE(store.Put(id, Value("v")).ok());
  std::string seen;
  store.GetAsync(id, [&](std::shared_ptr<const StoredObject> v) { seen = v->data; });
  EXPECT_EQ(seen, "v");
}

TEST(MemoryStoreTest, GetAsyncBeforePutRunsOnPutOutsideTheLock) {
  MemoryStore store;
  ObjectID id = NewId();
  std::vector<std::string> seen;
  for (int i = 0; i < 2; i++) {
    store.GetAsync(id, [&, i](std::shared_ptr<const StoredObject> v) {
      // Re-entering the store would deadlock if the lock were held.
      EXPECT_TRUE(store.Contains(id));
      seen.push_back(v->data + std::to_string(i));
    });
  }
  EXPECT_TRUE(seen.empty());
  ASSERT_TRUE(store.Put(id, Value("v")).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"v0", "v1"}));
  // Callbacks fire once only.
  store.Delete({id});
  ASSERT_TRUE(store.Put(id, Value("w")).ok());
  EXPECT_EQ(seen.size(), 2u);
}

TEST(MemoryStoreTest, DeleteForgetsValuesButReadersKeepThem) {
  MemoryStore store;
  ObjectID a = NewId(), b = NewId();
  ASSERT_TRUE(store.Put(a, Value("a")).ok());
  ASSERT_TRUE(store.Put(b, Value("b")).ok());
  auto held = store.GetIfPresent(a);
  store.Delete({a, NewId()});
  EXPECT_FALSE(store.Contains(a));
  EXPECT_TRUE(store.Contains(b));
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(held->data, "a");
  // A deleted ID may be put again.
  EXPECT_TRUE(store.Put(a, Value("a2")).ok());
}

TEST(MemoryStoreTest, CloseWakesBlockedGetsAndWaitsWithAnError) {
  MemoryStore store;
  const ObjectID missing = NewId();
  const ObjectID here = ObjectID::FromIndex(TaskID::Of(ActorID::Nil()), 2);
  ASSERT_TRUE(store.Put(here, Value("v")).ok());
  absl::Status got = absl::OkStatus();
  std::vector<bool> waited;
  std::thread getter([&] { got = store.Get({missing, here}, MemoryStore::kForever).status(); });
  std::thread waiter([&] { waited = store.Wait({missing, here}, 2, MemoryStore::kForever); });
  std::this_thread::sleep_for(milliseconds(50));  // both block
  store.Close();
  getter.join();
  waiter.join();
  EXPECT_EQ(got.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(got.message(), "photon was shut down while get waited: 1 of 2 objects were not ready");
  EXPECT_EQ(waited, (std::vector<bool>{false, true}));
  // Later calls do not block, and what is present still reads.
  EXPECT_EQ(store.Get({missing}, MemoryStore::kForever).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store.Get({here}, MemoryStore::kForever).ok());
}

TEST(MemoryStoreTest, ConcurrentPutsWakeAllGetters) {
  MemoryStore store;
  constexpr int kObjects = 64;
  std::vector<ObjectID> ids;
  for (int i = 0; i < kObjects; i++) ids.push_back(NewId());
  std::atomic<int> async_calls{0};
  for (const ObjectID& id : ids) {
    store.GetAsync(id, [&](std::shared_ptr<const StoredObject>) { async_calls++; });
  }
  std::vector<std::thread> getters;
  std::atomic<int> got{0};
  for (int g = 0; g < 4; g++) {
    getters.emplace_back([&] {
      if (store.Get(ids, milliseconds(10000)).ok()) got++;
    });
  }
  std::vector<std::thread> putters;
  for (int p = 0; p < 4; p++) {
    putters.emplace_back([&, p] {
      for (int i = p; i < kObjects; i += 4) ASSERT_TRUE(store.Put(ids[i], Value("x")).ok());
    });
  }
  for (auto& t : putters) t.join();
  for (auto& t : getters) t.join();
  EXPECT_EQ(got.load(), 4);
  EXPECT_EQ(async_calls.load(), kObjects);
  EXPECT_EQ(store.size(), static_cast<size_t>(kObjects));
}

}  // namespace
}  // namespace photon
