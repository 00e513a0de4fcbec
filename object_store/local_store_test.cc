#include "object_store/local_store.h"

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "gtest/gtest.h"

namespace photon {
namespace object_store {
namespace {

using std::chrono::milliseconds;

// Drives the store by hand: timers and background work queue up until the
// test runs them.
class LocalStoreTest : public ::testing::Test {
 protected:
  void Make(int64_t capacity, bool spill = true, int64_t min_spill = 0) {
    memory_.assign(static_cast<size_t>(capacity), 0);
    LocalStore::Options options;
    options.capacity = capacity;
    options.min_spill_bytes = min_spill;
    options.create_grace = milliseconds(100);
    if (spill) {
      spill_dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/spill-" +
                   ::testing::UnitTest::GetInstance()->current_test_info()->name();
      options.spill_dir = spill_dir_;
    }
    LocalStore::Env env;
    env.run_after = [this](milliseconds, std::function<void()> fn) { timers_.push_back(std::move(fn)); };
    env.run_in_background = [this](std::function<void()> work, std::function<void()> done) {
      background_.push_back({std::move(work), std::move(done)});
    };
    store_ = std::make_unique<LocalStore>(options, memory_.data(), env);
  }

  void RunBackground() {
    while (!background_.empty()) {
      auto job = std::move(background_.front());
      background_.pop_front();
      job.first();
      job.second();
    }
  }
  void FireTimers() {
    auto timers = std::move(timers_);
    timers_.clear();
    for (auto& t : timers) t();
  }

  // Creates, fills with `fill` and seals; returns the create status.
  absl::Status Put(ClientId client, const ObjectID& id, int64_t size, uint8_t fill, bool primary = true) {
    absl::StatusOr<int64_t> offset = absl::UnknownError("no answer");
    store_->Create(client, {id, size, 0, {}, primary}, [&](absl::StatusOr<int64_t> o) { offset = o; });
    if (!offset.ok()) return offset.status();
    std::memset(memory_.data() + *offset, fill, static_cast<size_t>(size));
    absl::Status sealed = store_->Seal(client, id);
    if (!sealed.ok()) return sealed;
    return store_->Release(client, id);
  }

  std::vector<LocalStore::GetResult> Get(ClientId client, std::vector<ObjectID> ids, int64_t timeout = 0) {
    std::vector<LocalStore::GetResult> out;
    store_->Get(client, ids, timeout, [&](std::vector<LocalStore::GetResult> r) { out = std::move(r); });
    return out;
  }

  bool Filled(const LocalStore::GetResult& r, uint8_t fill) {
    for (int64_t i = 0; i < r.data_size; i++) {
      if (memory_[static_cast<size_t>(r.offset + i)] != fill) return false;
    }
    return true;
  }

  std::vector<uint8_t> memory_;
  std::string spill_dir_;
  std::deque<std::function<void()>> timers_;
  std::deque<std::pair<std::function<void()>, std::function<void()>>> background_;
  std::unique_ptr<LocalStore> store_;
};

TEST_F(LocalStoreTest, CreateSealGetRelease) {
  Make(1 << 20);
  ObjectID id = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, id, 1000, 7).ok());
  EXPECT_TRUE(store_->Contains(id));
  auto got = Get(2, {id});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].found);
  EXPECT_EQ(got[0].data_size, 1000);
  EXPECT_EQ(got[0].offset % 64, 0);
  EXPECT_TRUE(Filled(got[0], 7));
  EXPECT_EQ(store_->Stats().pinned_bytes(), 1000);
  EXPECT_TRUE(store_->Release(2, id).ok());
  EXPECT_EQ(store_->Release(2, id).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Stats().pinned_bytes(), 0);
}

TEST_F(LocalStoreTest, DuplicateAndBadCreatesAreRefused) {
  Make(1 << 20);
  ObjectID id = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, id, 10, 1).ok());
  EXPECT_EQ(Put(1, id, 10, 1).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Put(1, ObjectID::FromRandom(), -1, 1).code(), absl::StatusCode::kInvalidArgument);
  absl::Status huge = Put(1, ObjectID::FromRandom(), 2 << 20, 1);
  EXPECT_EQ(huge.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(huge.message().find("larger than the object store's capacity of 1048576 bytes"), std::string::npos);
  EXPECT_EQ(store_->Seal(2, id).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(LocalStoreTest, GetWaitsForSealAndTimesOut) {
  Make(1 << 20);
  ObjectID id = ObjectID::FromRandom();
  std::vector<LocalStore::GetResult> got;
  store_->Get(2, {id}, 1000, [&](std::vector<LocalStore::GetResult> r) { got = std::move(r); });
  EXPECT_TRUE(got.empty());  // waiting: the object does not exist yet
  ASSERT_TRUE(Put(1, id, 64, 3).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].found);

  std::vector<LocalStore::GetResult> missing;
  store_->Get(2, {ObjectID::FromRandom()}, 50, [&](std::vector<LocalStore::GetResult> r) { missing = std::move(r); });
  EXPECT_TRUE(missing.empty());
  FireTimers();
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_FALSE(missing[0].found);
  EXPECT_TRUE(missing[0].error.empty());
}

TEST_F(LocalStoreTest, DisconnectReleasesPinsAndAbortsUnsealed) {
  Make(4096, /*spill=*/false);
  ObjectID sealed = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, sealed, 1024, 1).ok());
  ASSERT_TRUE(Get(9, {sealed})[0].found);
  ObjectID unsealed = ObjectID::FromRandom();
  store_->Create(9, {unsealed, 2048, 0, {}, true}, [](absl::StatusOr<int64_t> o) { ASSERT_TRUE(o.ok()); });
  EXPECT_EQ(store_->Stats().used_bytes(), 3072);
  store_->Disconnect(9);
  EXPECT_FALSE(store_->Contains(unsealed));
  EXPECT_EQ(store_->Stats().used_bytes(), 1024);
  EXPECT_EQ(store_->Stats().pinned_bytes(), 0);
  // The id can be created again by someone else.
  EXPECT_TRUE(Put(2, unsealed, 100, 2).ok());
}

TEST_F(LocalStoreTest, SecondaryCopiesAreEvictedLeastRecentlyUsedFirst) {
  Make(4 * 1024, /*spill=*/false);
  std::vector<ObjectID> ids;
  for (int i = 0; i < 4; i++) {
    ids.push_back(ObjectID::FromRandom());
    ASSERT_TRUE(Put(1, ids[i], 1024, static_cast<uint8_t>(i), /*primary=*/false).ok());
  }
  // Use 0 and 2 again: 1 is now the least recently used, then 3.
  for (int i : {0, 2}) {
    ASSERT_TRUE(Get(2, {ids[i]})[0].found);
    ASSERT_TRUE(store_->Release(2, ids[i]).ok());
  }
  ASSERT_TRUE(Put(1, ObjectID::FromRandom(), 1024, 9).ok());
  EXPECT_FALSE(store_->Contains(ids[1]));
  EXPECT_TRUE(store_->Contains(ids[3]));
  ASSERT_TRUE(Put(1, ObjectID::FromRandom(), 1024, 9).ok());
  EXPECT_FALSE(store_->Contains(ids[3]));
  EXPECT_TRUE(store_->Contains(ids[0]));
  EXPECT_TRUE(store_->Contains(ids[2]));
  EXPECT_EQ(store_->Stats().evicted_bytes_total(), 2048);
}

TEST_F(LocalStoreTest, PinnedObjectsAreNeverEvicted) {
  Make(2 * 1024, /*spill=*/false);
  ObjectID a = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, a, 1024, 1, false).ok());
  ASSERT_TRUE(Get(2, {a})[0].found);  // pinned by client 2
  ObjectID b = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, b, 1024, 2, false).ok());
  absl::StatusOr<int64_t> third = absl::UnknownError("waiting");
  store_->Create(1, {ObjectID::FromRandom(), 1024, 0, {}, true}, [&](absl::StatusOr<int64_t> o) { third = o; });
  EXPECT_TRUE(third.ok());  // b (unpinned) went, a stays
  EXPECT_TRUE(store_->Contains(a));
  EXPECT_FALSE(store_->Contains(b));
}

TEST_F(LocalStoreTest, FullStoreWaitsThenFailsNamingTheSizes) {
  Make(2048, /*spill=*/false);
  ObjectID a = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, a, 2048, 1).ok());  // a primary copy, not spillable here
  absl::StatusOr<int64_t> waiting = absl::UnknownError("no answer");
  ObjectID b = ObjectID::FromRandom();
  store_->Create(1, {b, 1024, 0, {}, true}, [&](absl::StatusOr<int64_t> o) { waiting = o; });
  EXPECT_EQ(waiting.status().message(), "no answer");  // still waiting
  FireTimers();  // the grace period ends
  ASSERT_EQ(waiting.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(waiting.status().message().find("cannot create object " + b.Hex() + " of 1024 bytes"),
            std::string::npos)
      << waiting.status();
  EXPECT_NE(waiting.status().message().find("capacity is 2048 bytes"), std::string::npos);
  EXPECT_TRUE(store_->Contains(a));  // nothing stored was lost
  EXPECT_FALSE(store_->Contains(b));
}

TEST_F(LocalStoreTest, WaitingCreateProceedsWhenMemoryIsFreed) {
  Make(2048, /*spill=*/false);
  ObjectID a = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, a, 2048, 1).ok());
  absl::StatusOr<int64_t> waiting = absl::UnknownError("no answer");
  store_->Create(1, {ObjectID::FromRandom(), 1024, 0, {}, true}, [&](absl::StatusOr<int64_t> o) { waiting = o; });
  EXPECT_EQ(store_->Delete({a}), 1);
  EXPECT_TRUE(waiting.ok()) << waiting.status();
}

TEST_F(LocalStoreTest, PrimaryCopiesSpillAndRestoreByteForByte) {
  Make(4096, /*spill=*/true, /*min_spill=*/0);
  std::vector<ObjectID> ids;
  for (int i = 0; i < 4; i++) {
    ids.push_back(ObjectID::FromRandom());
    ASSERT_TRUE(Put(1, ids[i], 1000, static_cast<uint8_t>(10 + i)).ok());
  }
  // A fifth object needs room: the oldest primary is spilled in the background.
  absl::StatusOr<int64_t> fifth = absl::UnknownError("waiting");
  store_->Create(1, {ObjectID::FromRandom(), 1000, 0, {}, true}, [&](absl::StatusOr<int64_t> o) { fifth = o; });
  EXPECT_FALSE(fifth.ok());
  RunBackground();
  ASSERT_TRUE(fifth.ok()) << fifth.status();
  EXPECT_GE(store_->Stats().num_spilled_objects(), 1);
  EXPECT_TRUE(store_->Contains(ids[0]));  // spilled, still there
  EXPECT_EQ(store_->Seal(1, ids[0]).code(), absl::StatusCode::kFailedPrecondition);  // immutable
  // Free room, then get the spilled object back: restored transparently.
  for (int i = 1; i < 4; i++) store_->Delete({ids[i]});
  std::vector<LocalStore::GetResult> got;
  store_->Get(2, {ids[0]}, 1000, [&](std::vector<LocalStore::GetResult> r) { got = std::move(r); });
  RunBackground();
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].found) << got[0].error;
  EXPECT_TRUE(Filled(got[0], 10));
  EXPECT_EQ(store_->Stats().restored_bytes_total(), 1000);
}

TEST_F(LocalStoreTest, FailedSpillIsReportedAndNothingStoredIsLost) {
  Make(2048, /*spill=*/true, 0);
  ObjectID a = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, a, 2000, 5).ok());
  std::filesystem::create_directories(std::filesystem::path(spill_dir_).parent_path());
  { std::ofstream blocker(spill_dir_); }  // a file where the spill directory should be
  absl::StatusOr<int64_t> b = absl::UnknownError("waiting");
  store_->Create(1, {ObjectID::FromRandom(), 2000, 0, {}, true}, [&](absl::StatusOr<int64_t> o) { b = o; });
  RunBackground();  // the spill fails
  EXPECT_EQ(b.status().message(), "waiting");
  FireTimers();
  ASSERT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(b.status().message().find("spilling failed"), std::string::npos) << b.status();
  auto got = Get(2, {a});
  ASSERT_TRUE(got[0].found);
  EXPECT_TRUE(Filled(got[0], 5));
  std::filesystem::remove(spill_dir_);
}

TEST_F(LocalStoreTest, MissingSpillFileIsAClearError) {
  Make(2048, /*spill=*/true, 0);
  ObjectID a = ObjectID::FromRandom();
  ASSERT_TRUE(Put(1, a, 2000, 5).ok());
  absl::StatusOr<int64_t> b = absl::UnknownError("waiting");
  ObjectID b_id = ObjectID::FromRandom();
  store_->Create(1, {b_id, 2000, 0, {}, true}, [&](absl::StatusOr<int64_t> o) { b = o; });
  RunBackground();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(store_->Seal(1, b_id).ok());
  ASSERT_TRUE(store_->Release(1, b_id).ok());
  ASSERT_TRUE(store_->Delete({b_id}) == 1);
  std::filesystem::remove_all(spill_dir_);
  std::vector<LocalStore::GetResult> got;
  store_->Get(2, {a}, 1000, [&](std::vector<LocalStore::GetResult> r) { got = std::move(r); });
  RunBackground();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].found);
  EXPECT_NE(got[0].error.find("could not be restored"), std::string::npos) << got[0].error;
  EXPECT_NE(got[0].error.find("missing"), std::string::npos) << got[0].error;
}

}  // namespace
}  // namespace object_store
}  // namespace photon
