#include "core/common/memcopy.h"

#include <cstdint>
#include <cstring>
#include <thread>

namespace photon {
namespace {

constexpr uintptr_t kPage = 4096;
// Offsets (destination minus source, modulo 4 KiB) that stall a forward copy.
constexpr uintptr_t kAliasingBelow = 1024;
constexpr size_t kMinBounced = size_t{1} << 20;
constexpr size_t kChunk = size_t{64} << 10;
constexpr size_t kMinParallel = size_t{64} << 20;

uintptr_t Delta(const void* dst, const void* src) {
  return (reinterpret_cast<uintptr_t>(dst) - reinterpret_cast<uintptr_t>(src)) & (kPage - 1);
}

}  // namespace

bool CopyWouldAlias(const void* dst, const void* src) {
  const uintptr_t delta = Delta(dst, src);
  return delta != 0 && delta < kAliasingBelow;
}

namespace {

// One thread's copy: plain, or bounced when it would alias.
void CopyOne(void* dst, const void* src, size_t n) {
  if (n < kMinBounced || !CopyWouldAlias(dst, src)) {
    std::memcpy(dst, src, n);
    return;
  }
  // The bounce buffer sits half a page behind the source (modulo 4 KiB), and
  // so the destination is then ahead of it by delta + 2 KiB: both copies are
  // outside the aliasing range.
  thread_local unsigned char storage[kChunk + 2 * kPage];
  const uintptr_t base = (reinterpret_cast<uintptr_t>(storage) + kPage - 1) & ~(kPage - 1);
  const uintptr_t src_low = reinterpret_cast<uintptr_t>(src) & (kPage - 1);
  unsigned char* bounce = reinterpret_cast<unsigned char*>(base + ((src_low + kPage / 2) & (kPage - 1)));
  auto* out = static_cast<unsigned char*>(dst);
  const auto* in = static_cast<const unsigned char*>(src);
  for (size_t done = 0; done < n; done += kChunk) {
    const size_t len = n - done < kChunk ? n - done : kChunk;
    std::memcpy(bounce, in + done, len);
    std::memcpy(out + done, bounce, len);
  }
}

}  // namespace

// Large copies are split between two threads: one thread does not saturate
// the memory bandwidth (measured: 4.4 -> 7.7 GB/s for 800 MB into the store).
void CopyMemory(void* dst, const void* src, size_t n) {
  if (n < kMinParallel) return CopyOne(dst, src, n);
  const size_t half = (n / 2) & ~(kPage - 1);
  std::thread other([=] { CopyOne(static_cast<char*>(dst) + half, static_cast<const char*>(src) + half, n - half); });
  CopyOne(dst, src, half);
  other.join();
}

}  // namespace photon
