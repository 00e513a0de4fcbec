#pragma once

// SpillFileTracker: deletes a fused spill file once none of its objects is needed.
//
// WriteSpillFile fuses many objects into one file, so a file can only go when
// every object in it has been deleted (or restored and no longer needs its
// spilled copy). The store records each file as it is written and releases
// one object at a time; the last release removes the file from disk.
//
//   ASSIGN_OR_RETURN(std::vector<SpillLocation> where, WriteSpillFile(dir, items));
//   tracker.AddFile(where[0].path, where.size(),
//                   where.back().offset + where.back().size);
//   ...
//   absl::Status s = tracker.ReleaseObject(where[i].path);  // deletes on the last one
//
// Thread-compatible: the store thread owns it. Deleting a file is a short
// unlink(), done inline.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace photon {
namespace object_store {

class SpillFileTracker {
 public:
  // Deletes a file from disk; RemoveSpillFile unless a test injects a fake.
  using RemoveFn = std::function<absl::Status(const std::string& path)>;

  SpillFileTracker();
  explicit SpillFileTracker(RemoveFn remove);

  SpillFileTracker(const SpillFileTracker&) = delete;
  SpillFileTracker& operator=(const SpillFileTracker&) = delete;

  // Records that `path` holds `num_objects` objects and takes `file_bytes`
  // bytes of disk (headers included).
  // REQUIRES: num_objects > 0, file_bytes >= 0, and `path` is not tracked.
  void AddFile(const std::string& path, int num_objects, int64_t file_bytes);

  // Drops one object of `path`; when it was the last, deletes the file and
  // stops tracking it (also when the deletion fails, whose error is returned
  // naming the path). NotFound when `path` is not tracked.
  absl::Status ReleaseObject(const std::string& path);

  // Files tracked (on disk, unless a deletion failed).
  int64_t num_files() const { return static_cast<int64_t>(files_.size()); }
  // Disk bytes of the tracked files: whole files, since a fused file shrinks
  // only when it is deleted.
  int64_t live_bytes() const { return live_bytes_; }

 private:
  struct File {
    int live_objects;
    int64_t bytes;
  };

  const RemoveFn remove_;
  absl::flat_hash_map<std::string, File> files_;
  int64_t live_bytes_ = 0;
};

}  // namespace object_store
}  // namespace photon
