#pragma once

// Checking and unpacking working_dir packages (zip files, read with libzip).
//
// A package comes from whoever holds the token, and is unpacked on the head,
// so nothing in it may land outside its folder: an entry with an absolute
// path, a `..` component, or a symlink whose target is absolute or climbs
// out is refused (zip-slip), as is a package that would unpack to more than
// `max_unpacked_bytes` (a zip bomb).
//
//   RETURN_IF_ERROR(CheckZipPackage(bytes, 1 << 30));
//   RETURN_IF_ERROR(UnpackZipPackage(bytes, "/tmp/photon/.../working_dir_files/_ray_pkg_ab12"));
//
// Thread-safe (no state).

#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace photon {
namespace dashboard {

// InvalidArgument naming the first bad entry, or saying the bytes are not a
// zip file.
absl::Status CheckZipPackage(const std::string& bytes, uint64_t max_unpacked_bytes);

// Checks, then unpacks into a fresh sibling folder and renames it to `dir`
// (so a folder that exists is complete). OK without writing when `dir`
// exists already.
absl::Status UnpackZipPackage(const std::string& bytes, const std::string& dir, uint64_t max_unpacked_bytes);

}  // namespace dashboard
}  // namespace photon
