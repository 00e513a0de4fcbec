#include "dashboard/zip_package.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace photon {
namespace dashboard {
namespace {

namespace fs = std::filesystem;

using ZipPtr = std::unique_ptr<zip_t, void (*)(zip_t*)>;

absl::StatusOr<ZipPtr> Open(const std::string& bytes) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  zip_t* archive = source == nullptr ? nullptr : zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    std::string why = zip_error_strerror(&error);
    if (source != nullptr) zip_source_free(source);
    zip_error_fini(&error);
    return absl::InvalidArgumentError(absl::StrCat("package: not a readable zip file: ", why));
  }
  zip_error_fini(&error);
  return ZipPtr(archive, [](zip_t* z) { zip_discard(z); });
}

// True when `path` (relative, '/'-separated) stays inside its root, read
// from `base` (the entry's folder, for a symlink's target).
bool StaysInside(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/' || absl::StrContains(path, '\\') || absl::StrContains(path, ':')) return false;
  int depth = 0;
  for (absl::string_view part : absl::StrSplit(base, '/', absl::SkipEmpty())) depth += part == ".." ? -1 : 1;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) return false;
  }
  return true;
}

bool IsSymlink(zip_t* archive, zip_uint64_t index) {
  zip_uint8_t system;
  zip_uint32_t attributes;
  if (zip_file_get_external_attributes(archive, index, 0, &system, &attributes) != 0) return false;
  return system == ZIP_OPSYS_UNIX && S_ISLNK(attributes >> 16);
}

absl::StatusOr<std::string> ReadEntry(zip_t* archive, zip_uint64_t index, uint64_t size) {
  zip_file_t* file = zip_fopen_index(archive, index, 0);
  if (file == nullptr) return absl::InvalidArgumentError(absl::StrCat("package: cannot read entry ", index));
  std::string data(size, '\0');
  zip_int64_t n = size == 0 ? 0 : zip_fread(file, data.data(), size);
  zip_fclose(file);
  if (n < 0 || static_cast<uint64_t>(n) != size) {
    return absl::InvalidArgumentError(absl::StrCat("package: entry ", index, " is truncated or corrupt"));
  }
  return data;
}

// Runs `each(index, name, stat, is_symlink)` over the entries after checking them all.
absl::Status ForEachCheckedEntry(
    zip_t* archive, uint64_t max_unpacked_bytes,
    const std::function<absl::Status(zip_uint64_t, const std::string&, const zip_stat_t&, bool)>& each) {
  zip_int64_t count = zip_get_num_entries(archive, 0);
  uint64_t total = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (zip_int64_t i = 0; i < count; i++) {
      zip_stat_t stat;
      if (zip_stat_index(archive, i, 0, &stat) != 0 || !(stat.valid & ZIP_STAT_NAME) ||
          !(stat.valid & ZIP_STAT_SIZE)) {
        return absl::InvalidArgumentError(absl::StrCat("package: entry ", i, " has no name or size"));
      }
      std::string name = stat.name;
      bool symlink = IsSymlink(archive, i);
      if (pass == 1) {
        if (absl::Status s = each(i, name, stat, symlink); !s.ok()) return s;
        continue;
      }
      if (!StaysInside("", name)) {
        return absl::InvalidArgumentError(
            absl::StrCat("package: entry '", name, "' would land outside the working directory (zip-slip); refused"));
      }
      if (symlink) {
        absl::StatusOr<std::string> target = ReadEntry(archive, i, stat.size);
        if (!target.ok()) return target.status();
        std::string folder = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/'));
        if (!StaysInside(folder, *target)) {
          return absl::InvalidArgumentError(absl::StrCat("package: symlink '", name, "' points outside the working "
                                                         "directory (to '", *target, "'); refused"));
        }
      }
      total += stat.size;
      if (total > max_unpacked_bytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("package: unpacks to more than ", max_unpacked_bytes, " bytes; refused"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status WriteEntry(zip_t* archive, const fs::path& root, zip_uint64_t index, const std::string& name,
                        const zip_stat_t& stat, bool symlink) {
  fs::path path = root / name;
  std::error_code ec;
  if (absl::EndsWith(name, "/")) {
    fs::create_directories(path, ec);
    return ec ? absl::InternalError(absl::StrCat("package: cannot make ", path.string(), ": ", ec.message()))
              : absl::OkStatus();
  }
  fs::create_directories(path.parent_path(), ec);
  absl::StatusOr<std::string> data = ReadEntry(archive, index, stat.size);
  if (!data.ok()) return data.status();
  if (symlink) {
    fs::create_symlink(*data, path, ec);
    return ec ? absl::InternalError(absl::StrCat("package: cannot link ", path.string(), ": ", ec.message()))
              : absl::OkStatus();
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data->data(), static_cast<std::streamsize>(data->size()));
  if (!out) return absl::InternalError(absl::StrCat("package: cannot write ", path.string()));
  zip_uint8_t system;
  zip_uint32_t attributes;
  if (zip_file_get_external_attributes(archive, index, 0, &system, &attributes) == 0 && system == ZIP_OPSYS_UNIX &&
      (attributes >> 16) & 0111) {
    chmod(path.c_str(), 0755);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckZipPackage(const std::string& bytes, uint64_t max_unpacked_bytes) {
  absl::StatusOr<ZipPtr> archive = Open(bytes);
  if (!archive.ok()) return archive.status();
  return ForEachCheckedEntry(archive->get(), max_unpacked_bytes,
                             [](zip_uint64_t, const std::string&, const zip_stat_t&, bool) { return absl::OkStatus(); });
}

absl::Status UnpackZipPackage(const std::string& bytes, const std::string& dir, uint64_t max_unpacked_bytes) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return absl::OkStatus();
  absl::StatusOr<ZipPtr> archive = Open(bytes);
  if (!archive.ok()) return archive.status();
  fs::path staging = absl::StrCat(dir, ".unpacking-", getpid());
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return absl::InternalError(absl::StrCat("package: cannot make ", staging.string(), ": ", ec.message()));
  absl::Status written = ForEachCheckedEntry(
      archive->get(), max_unpacked_bytes,
      [&](zip_uint64_t i, const std::string& name, const zip_stat_t& stat, bool symlink) {
        return WriteEntry(archive->get(), staging, i, name, stat, symlink);
      });
  if (written.ok()) {
    fs::rename(staging, dir, ec);
    if (ec && !fs::is_directory(dir)) written = absl::InternalError(absl::StrCat("package: cannot rename to ", dir));
  }
  fs::remove_all(staging, ec);
  return written;
}

}  // namespace dashboard
}  // namespace photon
