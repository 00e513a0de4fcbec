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
