#include "object_store/spill/spill_file_tracker.h"

#include <utility>

#include "core/common/logging.h"
#include "object_store/spill/spill_file.h"

namespace photon {
namespace object_store {

SpillFileTracker::SpillFileTracker() : SpillFileTracker(RemoveSpillFile) {}

SpillFileTracker::SpillFileTracker(RemoveFn remove) : remove_(std::move(remove)) {}

void SpillFileTracker::AddFile(const std::string& path, int num_objects, int64_t file_bytes) {
  PHOTON_CHECK(num_objects > 0) << "spill file " << path << " with " << num_objects << " objects";
  PHOTON_CHECK(file_bytes >= 0) << "spill file " << path << " of " << file_bytes << " bytes";
  bool added = files_.emplace(path, File{num_objects, file_bytes}).second;
  PHOTON_CHECK(added) << "spill file " << path << " added twice";
  live_bytes_ += file_bytes;
}

absl::Status SpillFileTracker::ReleaseObject(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    return absl::NotFoundError("spill file " + path + " is not tracked (released too often?)");
  }
  if (--it->second.live_objects > 0) return absl::OkStatus();
  live_bytes_ -= it->second.bytes;
  files_.erase(it);
  return remove_(path);
}

}  // namespace object_store
}  // namespace photon
