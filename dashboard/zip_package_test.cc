#include "dashboard/zip_package.h"

#include <sys/stat.h>
#include <zip.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace photon {
namespace dashboard {
namespace {

namespace fs = std::filesystem;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

struct Entry {
  std::string name;
  std::string data;
  bool symlink = false;
};

// A zip file's bytes, written with libzip.
std::string MakeZip(const std::vector<Entry>& entries) {
  std::string path = TempDir() + "/test.zip";
  fs::remove(path);
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  EXPECT_NE(archive, nullptr);
  for (const Entry& e : entries) {
    zip_source_t* source = zip_source_buffer(archive, e.data.data(), e.data.size(), 0);
    zip_int64_t index = zip_file_add(archive, e.name.c_str(), source, ZIP_FL_ENC_UTF_8);
    EXPECT_GE(index, 0) << e.name;
    zip_uint32_t mode = e.symlink ? (S_IFLNK | 0777) : (S_IFREG | 0644);
    zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, mode << 16);
  }
  EXPECT_EQ(zip_close(archive), 0);
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ZipPackageTest, UnpacksFilesAndFolders) {
  std::string zip = MakeZip({{"main.py", "import helper\n"}, {"pkg/helper.py", "X = 1\n"}, {"pkg/link", "helper.py", true}});
  ASSERT_TRUE(CheckZipPackage(zip, 1 << 20).ok());
  std::string dir = TempDir() + "/unpacked";
  fs::remove_all(dir);
  ASSERT_TRUE(UnpackZipPackage(zip, dir, 1 << 20).ok());
  std::ifstream helper(dir + "/pkg/helper.py");
  std::string line;
  std::getline(helper, line);
  EXPECT_EQ(line, "X = 1");
  EXPECT_TRUE(fs::is_symlink(dir + "/pkg/link"));
  EXPECT_EQ(fs::read_symlink(dir + "/pkg/link"), "helper.py");
}

TEST(ZipPackageTest, RefusesEntriesThatEscape) {
  for (const std::string& name : {"../evil.py", "/etc/evil", "a/../../evil", "a\\..\\evil"}) {
    absl::Status s = CheckZipPackage(MakeZip({{name, "x"}}), 1 << 20);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_NE(s.message().find("zip-slip"), std::string::npos) << s;
  }
  for (const std::string& target : {"/etc/passwd", "../../outside", "../.."}) {
    absl::Status s = CheckZipPackage(MakeZip({{"sub/link", target, true}}), 1 << 20);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << target;
    EXPECT_NE(s.message().find("points outside"), std::string::npos) << s;
  }
  std::string dir = TempDir() + "/never";
  EXPECT_FALSE(UnpackZipPackage(MakeZip({{"ok.py", "x"}, {"../evil.py", "x"}}), dir, 1 << 20).ok());
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(fs::exists(TempDir() + "/evil.py"));
}

TEST(ZipPackageTest, RefusesWhatIsNotAZipOrUnpacksTooBig) {
  EXPECT_NE(CheckZipPackage("not a zip", 1 << 20).message().find("not a readable zip"), std::string::npos);
  absl::Status big = CheckZipPackage(MakeZip({{"big", std::string(5000, 'x')}}), 4096);
  EXPECT_NE(big.message().find("more than 4096 bytes"), std::string::npos) << big;
}

}  // namespace
}  // namespace dashboard
}  // namespace photon
