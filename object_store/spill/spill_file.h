#pragma once

// Spill files: the disk side of the object store's spilling.
//
// When shared memory runs short the store writes primary copies of objects to
// local disk and frees their memory; a later get restores them. Many small
// objects are fused into one file so that spilling 10,000 tiny objects costs a
// few large writes, not 10,000 files. Each object in a file is preceded by a
// fixed header (magic, object id, payload size) so that a restore can verify
// it reads the object it expects, not a neighbour or a stale file.
//
// Payloads are written straight from the caller's memory (pwritev) and read
// straight into the caller's buffer (pread); nothing is copied in between.
// Files are not fsynced: spilling relieves memory pressure, it does not make
// objects durable, and spill files do not outlive the raylet.
//
//   ASSIGN_OR_RETURN(std::vector<SpillLocation> where,
//                    WriteSpillFile("/tmp/photon/spill", {{id, data, size}}));
//   std::string url = where[0].ToString();  // "/tmp/photon/spill/spill-..bin?offset=48&size=..."
//   ...
//   ASSIGN_OR_RETURN(SpillLocation loc, SpillLocation::Parse(url));
//   RETURN_IF_ERROR(ReadSpilled(loc, id, dest));  // dest holds loc.size bytes
//   RETURN_IF_ERROR(RemoveSpillFile(loc.path));   // once no object in it is needed
//
// Thread-safe: the functions share no state except an atomic file counter, and
// each call touches only its own file (the store's worker threads call them
// concurrently). SpillFileTracker (spill_file_tracker.h) decides when a fused
// file can be removed.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/id.h"

namespace photon {
namespace object_store {

// One object to spill. `data` points at the object's bytes (in shared memory);
// it is only read, and must stay valid until WriteSpillFile returns.
struct SpillItem {
  ObjectID id;
  const uint8_t* data;
  int64_t size;
};

// Where a spilled object's payload lies: `size` bytes at `offset` of `path`
// (the payload, after its header).
struct SpillLocation {
  std::string path;
  int64_t offset = 0;
  int64_t size = 0;

  // "path?offset=N&size=M", the form the store keeps and reports.
  std::string ToString() const;
  // The inverse of ToString; InvalidArgument naming the input when malformed.
  static absl::StatusOr<SpillLocation> Parse(const std::string& url);

  bool operator==(const SpillLocation& o) const {
    return path == o.path && offset == o.offset && size == o.size;
  }
};

// Bytes of the header written before each payload.
inline constexpr int64_t kSpillHeaderSize = 48;

// Writes all `items`, in order, into one new file in `dir` (created with its
// parents when missing) and returns one location per item, in the same order.
// The file is named `spill-<pid>-<counter>-<random>.bin`; its size is
// `back().offset + back().size` of the result.
//
// On failure no file is left behind. Errors name the directory or file:
//   ResourceExhausted  the disk is full (ENOSPC) or over quota (EDQUOT):
//                      "disk full while spilling N bytes to DIR (file F): ..."
//   PermissionDenied   EACCES / EPERM on the directory or file
//   InvalidArgument    no items, a negative size, or null data with size > 0
//   Internal           anything else (a path under a regular file, EIO, ...)
absl::StatusOr<std::vector<SpillLocation>> WriteSpillFile(const std::string& dir,
                                                          const std::vector<SpillItem>& items);

// Reads the object at `location` into `dest` after checking that its header
// holds the magic, `expected` and `location.size`.
//   NotFound         the file is missing ("spill file F of object X is missing")
//   DataLoss         the file is shorter than the location says, or the header
//                    differs (magic, id or size; the message says which)
//   InvalidArgument  the location cannot hold a header (offset < header size)
// REQUIRES: `dest` has room for `location.size` bytes.
absl::Status ReadSpilled(const SpillLocation& location, const ObjectID& expected, uint8_t* dest);

// Deletes a spill file. NotFound when it does not exist.
absl::Status RemoveSpillFile(const std::string& path);

namespace spill_internal {

// Writes the headers and payloads of `items` to `fd` from offset 0 and
// returns their locations in `path`; the step of WriteSpillFile after it opens
// the file, exposed so that a test can pass an fd on /dev/full. It neither
// closes `fd` nor removes anything on error.
// REQUIRES: `items` is non-empty and valid (see WriteSpillFile).
absl::StatusOr<std::vector<SpillLocation>> WriteItemsToFd(int fd, const std::string& path,
                                                          const std::vector<SpillItem>& items);

}  // namespace spill_internal

}  // namespace object_store
}  // namespace photon
