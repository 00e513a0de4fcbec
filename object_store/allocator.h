#pragma once

// Allocator: carves the store's shared memory into 64-byte aligned blocks.
//
// Best fit over free blocks kept by size, with neighbours coalesced on Free,
// so long-running stores with mixed sizes keep large holes usable.
//
//   Allocator alloc(capacity);
//   std::optional<int64_t> offset = alloc.Allocate(1 << 20);  // nullopt: no hole big enough
//   alloc.Free(*offset);
//
// Thread-compatible (the store thread owns it).

#include <cstdint>
#include <map>
#include <optional>

namespace photon {
namespace object_store {

class Allocator {
 public:
  static constexpr int64_t kAlignment = 64;

  explicit Allocator(int64_t capacity);

  // An offset of `size` bytes rounded up to the alignment (a zero-byte
  // object still takes one unit, so offsets stay unique).
  std::optional<int64_t> Allocate(int64_t size);
  // REQUIRES: `offset` came from Allocate and was not freed since.
  void Free(int64_t offset);

  // Bytes a request of `size` takes.
  static int64_t Rounded(int64_t size);

  int64_t capacity() const { return capacity_; }
  int64_t used() const { return used_; }
  int64_t free() const { return capacity_ - used_; }
  int64_t largest_free_block() const;

 private:
  void AddFree(int64_t offset, int64_t size);
  void RemoveFree(std::map<int64_t, int64_t>::iterator it);

  const int64_t capacity_;
  int64_t used_ = 0;
  std::map<int64_t, int64_t> free_by_offset_;       // offset -> size
  std::multimap<int64_t, int64_t> free_by_size_;    // size -> offset
  std::map<int64_t, int64_t> allocated_;            // offset -> size
};

}  // namespace object_store
}  // namespace photon
