#include "core/rpc/task_frame.h"

#include <sys/socket.h>
#include <unistd.h>

#include "gtest/gtest.h"

namespace photon {
namespace rpc {
namespace {

TaskSpec Spec(const std::string& id) {
  TaskSpec spec;
  spec.set_task_id(id);
  spec.set_function_name("f" + id);
  return spec;
}

TEST(TaskFrameTest, AFrameIsItsLittleEndianLengthThenItsBytes) {
  TaskStreamFrame frame;
  frame.set_token("t");
  frame.set_lease_id(300);
  std::string out = "x";
  AppendFrame(frame, &out);
  ASSERT_EQ(out.size(), 1 + kTaskFrameHeaderBytes + frame.ByteSizeLong());
  std::optional<uint32_t> size = FrameBodySize(std::string_view(out).substr(1));
  ASSERT_TRUE(size.has_value());
  EXPECT_EQ(*size, frame.ByteSizeLong());
  TaskStreamFrame parsed;
  ASSERT_TRUE(parsed.ParseFromString(out.substr(1 + kTaskFrameHeaderBytes)));
  EXPECT_EQ(parsed.lease_id(), 300);
}

TEST(TaskFrameTest, TheLengthIsReadLittleEndian) {
  std::string out;
  AppendFrameHeader(0x01020304, &out);
  EXPECT_EQ(out, std::string("\x04\x03\x02\x01", 4));
  EXPECT_EQ(FrameBodySize(out), 0x01020304u);
  EXPECT_EQ(FrameBodySize(out.substr(0, 3)), std::nullopt);
  EXPECT_EQ(FrameBodySize(std::string("\xff\xff\xff\xff", 4)), 0xffffffffu);
}

TEST(TaskFrameTest, PushesEncodedByHandParseAsTheFramesPushList) {
  std::string body;
  AppendPush(Spec("a"), &body);
  TaskSpec big = Spec("b");
  big.set_function_name(std::string(300, 'x'));  // a length over one varint byte
  AppendPush(big, &body);
  TaskStreamFrame parsed;
  ASSERT_TRUE(parsed.ParseFromString(body));
  ASSERT_EQ(parsed.push_size(), 2);
  EXPECT_EQ(parsed.push(0).task_id(), "a");
  EXPECT_EQ(parsed.push(1).function_name(), std::string(300, 'x'));
}

TEST(TaskFrameTest, DecodeTakesOneWholeFrameAtATime) {
  TaskStreamFrame first;
  first.set_lease_id(1);
  TaskStreamFrame second;
  *second.add_push() = Spec("d");
  std::string buffered;
  AppendFrame(first, &buffered);
  const size_t first_bytes = buffered.size();
  AppendFrame(second, &buffered);
  absl::StatusOr<DecodedFrame> a = DecodeTaskFrame(buffered);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->bytes, first_bytes);
  EXPECT_EQ(a->frame.lease_id(), 1);
  absl::StatusOr<DecodedFrame> b = DecodeTaskFrame(std::string_view(buffered).substr(a->bytes));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->bytes + b->bytes, buffered.size());
  EXPECT_EQ(b->frame.push(0).task_id(), "d");
  // Not all there yet: nothing taken.
  for (size_t cut : {size_t{0}, size_t{3}, first_bytes - 1}) {
    absl::StatusOr<DecodedFrame> partial = DecodeTaskFrame(std::string_view(buffered).substr(0, cut));
    ASSERT_TRUE(partial.ok()) << partial.status();
    EXPECT_EQ(partial->bytes, 0u) << cut;
  }
}

TEST(TaskFrameTest, AnOversizedOrMalformedFrameIsDataLoss) {
  std::string huge;
  AppendFrameHeader(kMaxTaskFrameBytes + 1, &huge);
  absl::StatusOr<DecodedFrame> big = DecodeTaskFrame(huge);
  EXPECT_EQ(big.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(big.status().message(), "frame of " + std::to_string(kMaxTaskFrameBytes + 1) + " bytes");
  std::string garbage;
  AppendFrameHeader(2, &garbage);
  garbage += "\xff\xff";  // a tag with no field number
  absl::StatusOr<DecodedFrame> bad = DecodeTaskFrame(garbage);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(bad.status().message(), "malformed frame");
}

TEST(TaskFrameTest, WriteTaskFrameWritesOneWholeFrameAndReportsABrokenSocket) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  TaskStreamFrame frame;
  *frame.add_push() = Spec("c");
  ASSERT_TRUE(WriteTaskFrame(fds[0], frame));
  char buffer[256];
  const ssize_t n = read(fds[1], buffer, sizeof(buffer));
  ASSERT_GT(n, 0);
  std::string got(buffer, static_cast<size_t>(n));
  std::string want;
  AppendFrame(frame, &want);
  EXPECT_EQ(got, want);
  close(fds[1]);
  EXPECT_FALSE(WriteTaskFrame(fds[0], frame));
  close(fds[0]);
}

}  // namespace
}  // namespace rpc
}  // namespace photon
