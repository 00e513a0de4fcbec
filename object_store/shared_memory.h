#pragma once

// SharedMemory: the store's one region of shared memory.
//
// A file of `size` bytes is created in `dir` (/dev/shm), unlinked at once
// (so a crashed raylet leaves nothing behind) and mapped; its descriptor is
// what clients receive over the socket to map the same pages.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<SharedMemory> shm, SharedMemory::Create("/dev/shm", size));
//   uint8_t* base = shm->base();
//
// Before creating, the free space of `dir` is checked: too little gives
// ResourceExhausted naming the size found and the size wanted.
// Thread-compatible.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace photon {
namespace object_store {

class SharedMemory {
 public:
  static absl::StatusOr<std::unique_ptr<SharedMemory>> Create(const std::string& dir, int64_t size);
  ~SharedMemory();

  uint8_t* base() const { return base_; }
  int64_t size() const { return size_; }
  int fd() const { return fd_; }

  // Free bytes of the filesystem at `dir` (statvfs), or an error naming it.
  static absl::StatusOr<int64_t> FreeBytes(const std::string& dir);

 private:
  SharedMemory(int fd, uint8_t* base, int64_t size) : fd_(fd), base_(base), size_(size) {}
  int fd_;
  uint8_t* base_;
  int64_t size_;
};

}  // namespace object_store
}  // namespace photon
