#include "core/common/binaries.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace photon {
namespace {

// Bazel packages of the programs, for step 3.
constexpr const char* kBazelPackages[] = {"gcs", "raylet", "cli", "dashboard", "autoscaler"};

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string Parent(const std::string& path) { return std::filesystem::path(path).parent_path().string(); }

std::string ExecutableDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  return Parent(std::string(buf, static_cast<size_t>(n)));
}

std::string WorkingDir() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) != nullptr ? buf : "";
}

// Where the `photon` found on PATH really lives; "" when there is none.
std::string PhotonOnPathDir() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return "";
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    const std::string cli = absl::StrCat(dir, "/photon");
    if (!IsExecutableFile(cli)) continue;
    char resolved[PATH_MAX];
    if (realpath(cli.c_str(), resolved) == nullptr) return "";
    return Parent(resolved);
  }
  return "";
}

}  // namespace

std::vector<std::string> BinaryCandidates(const std::string& name, const BinarySearch& search) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("PHOTON_BIN_DIR"); env != nullptr && *env != '\0') dirs.push_back(env);
  if (const std::string self = ExecutableDir(); !self.empty()) {
    dirs.push_back(self);
    for (const char* package : kBazelPackages) dirs.push_back(absl::StrCat(self, "/../", package));
  }
  if (!search.source_tree.empty()) dirs.push_back(search.source_tree + "/build/bin");
  if (const std::string cwd = WorkingDir(); !cwd.empty()) dirs.push_back(cwd + "/build/bin");
  if (const std::string cli = PhotonOnPathDir(); !cli.empty()) dirs.push_back(cli);
  dirs.push_back("/usr/local/bin");
  std::vector<std::string> candidates;
  for (const std::string& dir : dirs) {
    std::error_code error;  // (absolute fails only without a working directory)
    std::filesystem::path path = std::filesystem::absolute(std::filesystem::path(dir) / name, error);
    if (error) path = std::filesystem::path(dir) / name;
    const std::string normal = path.lexically_normal().string();
    if (std::find(candidates.begin(), candidates.end(), normal) == candidates.end()) candidates.push_back(normal);
  }
  return candidates;
}

absl::StatusOr<std::string> FindPhotonBinary(const std::string& name, const BinarySearch& search) {
  const std::vector<std::string> candidates = BinaryCandidates(name, search);
  for (const std::string& path : candidates) {
    if (IsExecutableFile(path)) return path;
  }
  return absl::NotFoundError(absl::StrCat("cannot find ", name, "; looked at ", absl::StrJoin(candidates, ", "),
                                          " (build it with `make build`, or set PHOTON_BIN_DIR to the "
                                          "directory that holds it)"));
}

}  // namespace photon
