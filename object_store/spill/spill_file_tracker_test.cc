#include "object_store/spill/spill_file_tracker.h"

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "gtest/gtest.h"
#include "object_store/spill/spill_file.h"

namespace photon {
namespace object_store {
namespace {

namespace fs = std::filesystem;

std::string TestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/spill_tracker_test_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Spills `count` objects of 100 bytes into one real file.
std::vector<SpillLocation> SpillObjects(const std::string& dir, int count) {
  static const std::vector<uint8_t> kData(100, 9);
  std::vector<SpillItem> items;
  for (int i = 0; i < count; i++) items.push_back({ObjectID::FromRandom(), kData.data(), 100});
  absl::StatusOr<std::vector<SpillLocation>> locations = WriteSpillFile(dir, items);
  EXPECT_TRUE(locations.ok()) << locations.status();
  return locations.ok() ? *locations : std::vector<SpillLocation>();
}

int64_t FileBytes(const std::vector<SpillLocation>& locations) {
  return locations.back().offset + locations.back().size;
}

TEST(SpillFileTrackerTest, FileGoesOnlyAfterTheLastRelease) {
  std::string dir = TestDir("last_release");
  std::vector<SpillLocation> a = SpillObjects(dir, 3);
  std::vector<SpillLocation> b = SpillObjects(dir, 1);
  ASSERT_EQ(a.size(), 3u);
  ASSERT_EQ(b.size(), 1u);
  SpillFileTracker tracker;
  tracker.AddFile(a[0].path, 3, FileBytes(a));
  tracker.AddFile(b[0].path, 1, FileBytes(b));
  EXPECT_EQ(tracker.num_files(), 2);
  EXPECT_EQ(tracker.live_bytes(), 3 * 148 + 148);

  EXPECT_TRUE(tracker.ReleaseObject(a[0].path).ok());
  EXPECT_TRUE(tracker.ReleaseObject(a[0].path).ok());
  EXPECT_TRUE(fs::exists(a[0].path));
  EXPECT_EQ(tracker.num_files(), 2);
  EXPECT_TRUE(tracker.ReleaseObject(b[0].path).ok());
  EXPECT_FALSE(fs::exists(b[0].path));
  EXPECT_TRUE(fs::exists(a[0].path));
  EXPECT_EQ(tracker.num_files(), 1);
  EXPECT_EQ(tracker.live_bytes(), 3 * 148);

  EXPECT_TRUE(tracker.ReleaseObject(a[0].path).ok());
  EXPECT_FALSE(fs::exists(a[0].path));
  EXPECT_EQ(tracker.num_files(), 0);
  EXPECT_EQ(tracker.live_bytes(), 0);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(SpillFileTrackerTest, ReleasingAnUntrackedFileIsNotFound) {
  SpillFileTracker tracker;
  absl::Status status = tracker.ReleaseObject("/nowhere/spill-1.bin");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(status.message()).find("/nowhere/spill-1.bin"), std::string::npos);
}

TEST(SpillFileTrackerTest, DeletionErrorIsReturnedAndTheFileForgotten) {
  std::vector<std::string> removed;
  SpillFileTracker tracker([&removed](const std::string& path) {
    removed.push_back(path);
    return absl::InternalError("cannot remove spill file " + path + ": Input/output error");
  });
  tracker.AddFile("/d/spill-1.bin", 1, 148);
  absl::Status status = tracker.ReleaseObject("/d/spill-1.bin");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(removed, std::vector<std::string>{"/d/spill-1.bin"});
  EXPECT_EQ(tracker.num_files(), 0);
  EXPECT_EQ(tracker.live_bytes(), 0);
}

}  // namespace
}  // namespace object_store
}  // namespace photon
