#include "python/photon/_core/object_framing.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace photon {
namespace python {
namespace {

std::string Frame(const std::string& inband, const std::vector<std::string>& buffers) {
  std::vector<Piece> pieces;
  for (const std::string& b : buffers) pieces.push_back({b.data(), b.size()});
  std::string out(MaxFramedSize(inband.size(), pieces), '\0');
  out.resize(WriteFramed(out.data(), {inband.data(), inband.size()}, pieces));
  return out;
}

TEST(ObjectFramingTest, PartsComeBackWhereTheLayoutSays) {
  const std::string pickle = "in-band pickle";
  const std::vector<std::string> buffers = {"first", std::string(1000, 'x'), ""};
  const std::string object = Frame(pickle, buffers);
  absl::StatusOr<FramedLayout> layout = ReadLayout(object);
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(object.substr(layout->inband_offset, layout->inband_size), pickle);
  ASSERT_EQ(layout->buffers.size(), buffers.size());
  for (size_t i = 0; i < buffers.size(); i++) {
    EXPECT_EQ(object.substr(layout->buffers[i].first, layout->buffers[i].second), buffers[i]) << i;
    EXPECT_EQ(layout->buffers[i].first % 64, 0u) << "small buffers are 64-byte aligned: " << i;
  }
}

TEST(ObjectFramingTest, APickleWithoutBuffersIsHeaderThenPickle) {
  const std::string object = Frame("abc", {});
  EXPECT_EQ(object.size(), 16u + 3u);
  EXPECT_EQ(object.substr(0, 4), "PHO1");
  absl::StatusOr<FramedLayout> layout = ReadLayout(object);
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->inband_offset, 16u);
  EXPECT_TRUE(layout->buffers.empty());
}

TEST(ObjectFramingTest, ALargeBufferLandsAtItsSourceAddressModulo4K) {
  std::string big(3 << 20, 'b');
  std::vector<Piece> pieces = {{big.data() + 100, big.size() - 100}};
  std::vector<char> room(MaxFramedSize(10, pieces));
  const size_t used = WriteFramed(room.data(), {"0123456789", 10}, pieces);
  ASSERT_LE(used, room.size());
  absl::StatusOr<FramedLayout> layout = ReadLayout(std::string_view(room.data(), used));
  ASSERT_TRUE(layout.ok()) << layout.status();
  const uintptr_t at = reinterpret_cast<uintptr_t>(room.data()) + layout->buffers[0].first;
  EXPECT_EQ(at % 4096, reinterpret_cast<uintptr_t>(pieces[0].data) % 4096);
  EXPECT_EQ(std::string_view(room.data() + layout->buffers[0].first, layout->buffers[0].second),
            std::string_view(big.data() + 100, big.size() - 100));
}

TEST(ObjectFramingTest, MalformedObjectsAreRefusedWithAReason) {
  EXPECT_EQ(ReadLayout("PHO").status().message(), "not a Photon object: 3 bytes");
  EXPECT_EQ(ReadLayout(std::string(32, 'z')).status().message(),
            "not a Photon Python object (was it written by a C++ task?)");
  std::string cut = Frame("pickle", {std::string(100, 'q')});
  cut.resize(cut.size() - 10);
  EXPECT_FALSE(ReadLayout(cut).ok());
}

}  // namespace
}  // namespace python
}  // namespace photon
