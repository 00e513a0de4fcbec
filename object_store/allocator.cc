#include "object_store/allocator.h"

#include "core/common/logging.h"

namespace photon {
namespace object_store {

Allocator::Allocator(int64_t capacity) : capacity_(capacity / kAlignment * kAlignment) {
  if (capacity_ > 0) AddFree(0, capacity_);
}

int64_t Allocator::Rounded(int64_t size) {
  if (size <= 0) return kAlignment;
  return (size + kAlignment - 1) / kAlignment * kAlignment;
}

void Allocator::AddFree(int64_t offset, int64_t size) {
  free_by_offset_[offset] = size;
  free_by_size_.emplace(size, offset);
}

void Allocator::RemoveFree(std::map<int64_t, int64_t>::iterator it) {
  auto range = free_by_size_.equal_range(it->second);
  for (auto s = range.first; s != range.second; ++s) {
    if (s->second == it->first) {
      free_by_size_.erase(s);
      break;
    }
  }
  free_by_offset_.erase(it);
}

std::optional<int64_t> Allocator::Allocate(int64_t size) {
  const int64_t need = Rounded(size);
  auto best = free_by_size_.lower_bound(need);
  if (best == free_by_size_.end()) return std::nullopt;
  const int64_t offset = best->second;
  const int64_t block = best->first;
  RemoveFree(free_by_offset_.find(offset));
  if (block > need) AddFree(offset + need, block - need);
  allocated_[offset] = need;
  used_ += need;
  return offset;
}

void Allocator::Free(int64_t offset) {
  auto it = allocated_.find(offset);
  PHOTON_CHECK(it != allocated_.end()) << "freeing offset " << offset << " that is not allocated";
  int64_t start = offset;
  int64_t size = it->second;
  used_ -= size;
  allocated_.erase(it);
  auto next = free_by_offset_.lower_bound(start);
  if (next != free_by_offset_.end() && next->first == start + size) {
    size += next->second;
    RemoveFree(next);
  }
  auto after = free_by_offset_.lower_bound(start);
  if (after != free_by_offset_.begin()) {
    auto prev = std::prev(after);
    if (prev->first + prev->second == start) {
      start = prev->first;
      size += prev->second;
      RemoveFree(prev);
    }
  }
  AddFree(start, size);
}

int64_t Allocator::largest_free_block() const {
  return free_by_size_.empty() ? 0 : free_by_size_.rbegin()->first;
}

}  // namespace object_store
}  // namespace photon
