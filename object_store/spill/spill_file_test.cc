#include "object_store/spill/spill_file.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "gtest/gtest.h"

namespace photon {
namespace object_store {
namespace {

namespace fs = std::filesystem;

// A fresh directory under $TEST_TMPDIR for each test.
std::string TestDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/spill_file_test_" + name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    files.push_back(entry.path().string());
  }
  return files;
}

uint64_t Fnv1a(const uint8_t* data, int64_t size) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

std::vector<uint8_t> RandomBytes(int64_t size, std::mt19937_64& gen) {
  std::vector<uint8_t> bytes(size);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(gen());
  return bytes;
}

bool Contains(const absl::Status& status, const std::string& text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

// Spills a few objects into `dir`; returns their ids and locations.
struct Spilled {
  std::vector<ObjectID> ids;
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<SpillLocation> locations;
};

Spilled SpillSome(const std::string& dir, const std::vector<int64_t>& sizes) {
  std::mt19937_64 gen(42);
  Spilled out;
  std::vector<SpillItem> items;
  for (int64_t size : sizes) {
    out.ids.push_back(ObjectID::FromRandom());
    out.payloads.push_back(RandomBytes(size, gen));
  }
  for (size_t i = 0; i < sizes.size(); i++) {
    items.push_back({out.ids[i], out.payloads[i].data(), sizes[i]});
  }
  absl::StatusOr<std::vector<SpillLocation>> locations = WriteSpillFile(dir, items);
  EXPECT_TRUE(locations.ok()) << locations.status();
  if (locations.ok()) out.locations = *locations;
  return out;
}

TEST(SpillFileTest, RoundTripOfManyObjectsInOneFile) {
  std::string dir = TestDir("round_trip") + "/not/yet/there";
  std::mt19937_64 gen(7);
  std::vector<int64_t> sizes = {0, 1, 3 << 20, 48, 4095, 65537};
  for (int i = 0; i < 200; i++) sizes.push_back(static_cast<int64_t>(gen() % 20000));
  std::vector<ObjectID> ids;
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<SpillItem> items;
  for (int64_t size : sizes) {
    ids.push_back(ObjectID::FromRandom());
    payloads.push_back(RandomBytes(size, gen));
  }
  for (size_t i = 0; i < sizes.size(); i++) {
    // A zero-byte object may come with no data pointer at all.
    const uint8_t* data = sizes[i] == 0 ? nullptr : payloads[i].data();
    items.push_back({ids[i], data, sizes[i]});
  }

  absl::StatusOr<std::vector<SpillLocation>> locations = WriteSpillFile(dir, items);
  ASSERT_TRUE(locations.ok()) << locations.status();
  ASSERT_EQ(locations->size(), items.size());
  std::vector<std::string> files = FilesIn(dir);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(fs::path(files[0]).filename().string().rfind("spill-", 0), 0u) << files[0];
  const SpillLocation& last = locations->back();
  EXPECT_EQ(static_cast<int64_t>(fs::file_size(files[0])), last.offset + last.size);

  for (size_t i = 0; i < items.size(); i++) {
    const SpillLocation& loc = (*locations)[i];
    EXPECT_EQ(loc.path, files[0]);
    EXPECT_EQ(loc.size, sizes[i]);
    // Restore through the string form, as the store will.
    absl::StatusOr<SpillLocation> parsed = SpillLocation::Parse(loc.ToString());
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    ASSERT_EQ(*parsed, loc);
    std::vector<uint8_t> dest(sizes[i] + 1, 0xAB);  // one guard byte past the end
    ASSERT_TRUE(ReadSpilled(*parsed, ids[i], dest.data()).ok()) << i;
    EXPECT_EQ(Fnv1a(dest.data(), sizes[i]), Fnv1a(payloads[i].data(), sizes[i])) << "object " << i;
    EXPECT_TRUE(std::equal(payloads[i].begin(), payloads[i].end(), dest.begin())) << i;
    EXPECT_EQ(dest[sizes[i]], 0xAB) << "read past the object " << i;
  }
  EXPECT_TRUE(RemoveSpillFile(files[0]).ok());
  EXPECT_TRUE(FilesIn(dir).empty());
  EXPECT_EQ(RemoveSpillFile(files[0]).code(), absl::StatusCode::kNotFound);
}

TEST(SpillFileTest, ConcurrentWritersGetDistinctFiles) {
  std::string dir = TestDir("concurrent");
  std::vector<std::thread> threads;
  std::vector<std::vector<SpillLocation>> results(8);
  for (int t = 0; t < 8; t++) {
    threads.emplace_back([&dir, &results, t] {
      for (int i = 0; i < 10; i++) {
        Spilled s = SpillSome(dir, {100, 2000});
        results[t].insert(results[t].end(), s.locations.begin(), s.locations.end());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> paths;
  for (const auto& r : results) {
    for (const SpillLocation& loc : r) paths.insert(loc.path);
  }
  EXPECT_EQ(paths.size(), 80u);
  EXPECT_EQ(FilesIn(dir).size(), 80u);
}

TEST(SpillFileTest, LocationStringForm) {
  SpillLocation loc{"/d/spill-1.bin", 48, 1000};
  EXPECT_EQ(loc.ToString(), "/d/spill-1.bin?offset=48&size=1000");
  absl::StatusOr<SpillLocation> odd = SpillLocation::Parse("/d/wh?y/f.bin?offset=0&size=0");
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ(odd->path, "/d/wh?y/f.bin");
  for (const char* bad : {"/d/f.bin", "?offset=1&size=2", "/f?offset=1", "/f?size=2&offset=1",
                          "/f?offset=x&size=2", "/f?offset=-1&size=2", "/f?offset=1&size=2&z=3"}) {
    absl::StatusOr<SpillLocation> parsed = SpillLocation::Parse(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(SpillFileTest, WrongIdOrSizeIsDataLoss) {
  Spilled s = SpillSome(TestDir("wrong_id"), {10, 20});
  ASSERT_EQ(s.locations.size(), 2u);
  std::vector<uint8_t> dest(100);
  absl::Status status = ReadSpilled(s.locations[1], s.ids[0], dest.data());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, s.ids[1].Hex())) << status;
  EXPECT_TRUE(Contains(status, "expected object " + s.ids[0].Hex())) << status;

  SpillLocation wrong_size = s.locations[0];
  wrong_size.size = 11;
  status = ReadSpilled(wrong_size, s.ids[0], dest.data());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "10 bytes in its header")) << status;

  SpillLocation mid_payload = s.locations[1];
  mid_payload.offset += 4;  // no header there: bad magic
  status = ReadSpilled(mid_payload, s.ids[1], dest.data());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "bad magic")) << status;

  SpillLocation before_start = s.locations[0];
  before_start.offset = 3;
  EXPECT_EQ(ReadSpilled(before_start, s.ids[0], dest.data()).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SpillFileTest, MissingFileIsNotFound) {
  Spilled s = SpillSome(TestDir("missing"), {10});
  ASSERT_EQ(s.locations.size(), 1u);
  ASSERT_TRUE(RemoveSpillFile(s.locations[0].path).ok());
  std::vector<uint8_t> dest(10);
  absl::Status status = ReadSpilled(s.locations[0], s.ids[0], dest.data());
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(
      status, "spill file " + s.locations[0].path + " of object " + s.ids[0].Hex() + " is missing"))
      << status;
}

TEST(SpillFileTest, TruncatedFileIsDataLoss) {
  Spilled s = SpillSome(TestDir("truncated"), {1000, 1000});
  ASSERT_EQ(s.locations.size(), 2u);
  const std::string& path = s.locations[0].path;
  std::vector<uint8_t> dest(1000);
  // Cut the second payload in half: the first object still reads, the second does not.
  fs::resize_file(path, s.locations[1].offset + 500);
  EXPECT_TRUE(ReadSpilled(s.locations[0], s.ids[0], dest.data()).ok());
  absl::Status status = ReadSpilled(s.locations[1], s.ids[1], dest.data());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "truncated")) << status;
  EXPECT_TRUE(Contains(status, "holds 500 of them")) << status;
  // Cut into the second header.
  fs::resize_file(path, s.locations[1].offset - 10);
  status = ReadSpilled(s.locations[1], s.ids[1], dest.data());
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(status, "the file has 38")) << status;
}

TEST(SpillFileTest, UnwritableDirectoryFailsClearlyAndLeavesNothing) {
  std::string dir = TestDir("unwritable");
  std::string blocker = dir + "/regular_file";
  std::ofstream(blocker) << "not a directory";
  std::vector<uint8_t> data(100, 1);
  absl::StatusOr<std::vector<SpillLocation>> result =
      WriteSpillFile(blocker + "/spill", {{ObjectID::FromRandom(), data.data(), 100}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal) << result.status();
  EXPECT_TRUE(Contains(result.status(), blocker + "/spill")) << result.status();
  EXPECT_TRUE(Contains(result.status(), "Not a directory")) << result.status();
  EXPECT_EQ(FilesIn(dir), std::vector<std::string>{blocker});
  EXPECT_EQ(fs::file_size(blocker), 15u);
}

TEST(SpillFileTest, WriteErrorAfterCreateRemovesThePartialFile) {
  std::string dir = TestDir("write_error");
  std::vector<uint8_t> good(5000, 7);
  // The kernel answers EFAULT for the unmapped second payload, after the
  // first header and payload went to disk.
  const uint8_t* unmapped = reinterpret_cast<const uint8_t*>(uintptr_t{8});
  absl::StatusOr<std::vector<SpillLocation>> result = WriteSpillFile(
      dir, {{ObjectID::FromRandom(), good.data(), 5000}, {ObjectID::FromRandom(), unmapped, 4096}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal) << result.status();
  EXPECT_TRUE(Contains(result.status(), "cannot write spill file " + dir + "/spill-"))
      << result.status();
  EXPECT_TRUE(FilesIn(dir).empty());
}

TEST(SpillFileTest, InvalidItemsAreRejectedBeforeAnyFile) {
  std::string dir = TestDir("invalid");
  EXPECT_EQ(WriteSpillFile(dir, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteSpillFile(dir, {{ObjectID::FromRandom(), nullptr, 5}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(FilesIn(dir).empty());
}

// Writes to /dev/full fail with ENOSPC, whatever the machine's disks hold.
TEST(SpillFileTest, DiskFullIsResourceExhausted) {
  int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << "cannot open /dev/full";
  std::vector<uint8_t> data(1 << 20, 3);
  absl::StatusOr<std::vector<SpillLocation>> result = spill_internal::WriteItemsToFd(
      fd, "/dev/full", {{ObjectID::FromRandom(), data.data(), 1 << 20}});
  close(fd);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted) << result.status();
  EXPECT_EQ(result.status().message(),
            "disk full while spilling 1048624 bytes to /dev (file /dev/full): "
            "No space left on device");
}

// End to end on a 1 MiB tmpfs, in a private mount namespace so that nothing
// leaks to the host. Needs CAP_SYS_ADMIN; skipped (not passed) without it.
TEST(SpillFileTest, DiskFullOnTinyTmpfsLeavesNoFile) {
  std::string dir = TestDir("tmpfs");
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  std::vector<uint8_t> data(2 << 20, 5);
  absl::StatusOr<std::vector<SpillLocation>> result =
      WriteSpillFile(dir, {{ObjectID::FromRandom(), data.data(), 1 << 20},
                           {ObjectID::FromRandom(), data.data(), 1 << 20}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted) << result.status();
  EXPECT_TRUE(Contains(result.status(), "disk full while spilling 2097248 bytes to " + dir))
      << result.status();
  EXPECT_TRUE(FilesIn(dir).empty());
  // The space came back: a small spill fits.
  EXPECT_TRUE(WriteSpillFile(dir, {{ObjectID::FromRandom(), data.data(), 1000}}).ok());
  umount2(dir.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace object_store
}  // namespace photon
