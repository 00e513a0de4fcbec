#include "core/common/memcopy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace photon {
namespace {

// Copies `n` bytes between buffers placed `delta` bytes apart modulo 4 KiB
// and checks every byte arrived.
void CheckCopy(size_t n, size_t delta) {
  std::vector<unsigned char> src_storage(n + 8192), dst_storage(n + 8192);
  auto align = [](unsigned char* p) {
    return reinterpret_cast<unsigned char*>((reinterpret_cast<uintptr_t>(p) + 4095) & ~uintptr_t{4095});
  };
  unsigned char* src = align(src_storage.data()) + 16;
  unsigned char* dst = align(dst_storage.data()) + ((16 + delta) & 4095);
  for (size_t i = 0; i < n; i++) src[i] = static_cast<unsigned char>(i * 7 + i / 4096);
  CopyMemory(dst, src, n);
  for (size_t i = 0; i < n; i++) ASSERT_EQ(dst[i], src[i]) << "byte " << i << " (n " << n << ", delta " << delta << ")";
}

TEST(CopyMemory, CopiesEveryByteWhateverTheOffset) {
  for (size_t delta : {0, 1, 16, 176, 1023, 1024, 2048, 4080}) {
    CheckCopy(3 * (size_t{1} << 20) + 123, delta);  // bounced when aliasing: chunks and a tail
    CheckCopy(1000, delta);                         // small: plain memcpy
  }
}

TEST(CopyMemory, KnowsWhichOffsetsAlias) {
  alignas(4096) static unsigned char buf[8192];
  EXPECT_FALSE(CopyWouldAlias(buf, buf));
  EXPECT_TRUE(CopyWouldAlias(buf + 176, buf));
  EXPECT_FALSE(CopyWouldAlias(buf + 2048, buf));
  EXPECT_FALSE(CopyWouldAlias(buf, buf + 16));  // destination behind the source
}

}  // namespace
}  // namespace photon
