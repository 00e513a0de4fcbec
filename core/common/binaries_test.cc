#include "core/common/binaries.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace photon {
namespace {

namespace fs = std::filesystem;

// A name nothing on the machine has, so only the files a test makes are found.
constexpr char kName[] = "photon-binaries-test-program";

class BinariesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    root_ = fs::path(tmp != nullptr ? tmp : "/tmp") /
            ("binaries-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    unsetenv("PHOTON_BIN_DIR");
  }
  void TearDown() override { unsetenv("PHOTON_BIN_DIR"); }

  // Makes `dir`/kName, executable or not; returns its path.
  std::string Make(const fs::path& dir, bool executable = true) {
    fs::create_directories(dir);
    const fs::path path = dir / kName;
    std::ofstream(path) << "#!/bin/sh\n";
    chmod(path.c_str(), executable ? 0755 : 0644);
    return path.string();
  }

  fs::path root_;
};

TEST_F(BinariesTest, CandidatesFollowTheDocumentedOrder) {
  setenv("PHOTON_BIN_DIR", (root_ / "bin-dir").c_str(), 1);
  BinarySearch search;
  search.source_tree = (root_ / "tree").string();
  const std::vector<std::string> c = BinaryCandidates(kName, search);
  const std::string self = fs::read_symlink("/proc/self/exe").parent_path().string();
  const std::string name = std::string("/") + kName;
  ASSERT_GE(c.size(), 9u);
  EXPECT_EQ(c[0], (root_ / "bin-dir").string() + name);
  EXPECT_EQ(c[1], self + name);
  EXPECT_EQ(c[2], (fs::path(self).parent_path() / "gcs").string() + name);
  EXPECT_EQ(c[3], (fs::path(self).parent_path() / "raylet").string() + name);
  EXPECT_EQ(c[4], (fs::path(self).parent_path() / "cli").string() + name);
  EXPECT_EQ(c[5], (fs::path(self).parent_path() / "dashboard").string() + name);
  EXPECT_EQ(c[6], (fs::path(self).parent_path() / "autoscaler").string() + name);
  EXPECT_EQ(c[7], (root_ / "tree/build/bin").string() + name);
  EXPECT_EQ(c[8], fs::current_path().string() + "/build/bin" + name);
  EXPECT_EQ(c.back(), std::string("/usr/local/bin") + name);
}

TEST_F(BinariesTest, PhotonBinDirComesFirstAndNonExecutablesAreSkipped) {
  BinarySearch search;
  search.source_tree = (root_ / "tree").string();
  const std::string in_tree = Make(root_ / "tree/build/bin");
  EXPECT_EQ(*FindPhotonBinary(kName, search), in_tree);
  setenv("PHOTON_BIN_DIR", (root_ / "bin-dir").c_str(), 1);
  const std::string in_bin_dir = Make(root_ / "bin-dir");
  EXPECT_EQ(*FindPhotonBinary(kName, search), in_bin_dir);
  chmod(in_bin_dir.c_str(), 0644);
  EXPECT_EQ(*FindPhotonBinary(kName, search), in_tree);
}

TEST_F(BinariesTest, FollowsThePhotonCommandOnPath) {
  const std::string real = Make(root_ / "install");
  std::ofstream(root_ / "install/photon") << "#!/bin/sh\n";
  chmod((root_ / "install/photon").c_str(), 0755);
  fs::create_directories(root_ / "on-path");
  fs::create_symlink(root_ / "install/photon", root_ / "on-path/photon");
  const std::string old_path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  setenv("PATH", ((root_ / "on-path").string() + ":" + old_path).c_str(), 1);
  absl::StatusOr<std::string> found = FindPhotonBinary(kName);
  setenv("PATH", old_path.c_str(), 1);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, real);
}

TEST_F(BinariesTest, NotFoundListsEveryPlaceAndTheFix) {
  BinarySearch search;
  search.source_tree = (root_ / "tree").string();
  absl::StatusOr<std::string> found = FindPhotonBinary(kName, search);
  ASSERT_TRUE(absl::IsNotFound(found.status())) << found.status();
  const std::string message(found.status().message());
  for (const std::string& place : BinaryCandidates(kName, search)) {
    EXPECT_NE(message.find(place), std::string::npos) << place << " missing from: " << message;
  }
  EXPECT_NE(message.find("PHOTON_BIN_DIR"), std::string::npos) << message;
  EXPECT_NE(message.find("make build"), std::string::npos) << message;
}

}  // namespace
}  // namespace photon
