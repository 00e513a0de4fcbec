#include "core/rpc/task_frame.h"

#include <sys/socket.h>

#include <cerrno>

#include "absl/strings/str_cat.h"

namespace photon {
namespace rpc {

void AppendFrameHeader(size_t body_size, std::string* out) {
  for (size_t i = 0; i < kTaskFrameHeaderBytes; i++) {
    out->push_back(static_cast<char>((body_size >> (8 * i)) & 0xff));
  }
}

void AppendFrame(const TaskStreamFrame& frame, std::string* out) {
  const size_t size = frame.ByteSizeLong();
  AppendFrameHeader(size, out);
  const size_t at = out->size();
  out->resize(at + size);
  frame.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(&(*out)[at]));
}

void AppendPush(const TaskSpec& spec, std::string* body) {
  const size_t size = spec.ByteSizeLong();
  body->push_back(static_cast<char>((2 << 3) | 2));  // field 2 (push), length-delimited
  uint64_t v = size;
  while (v >= 0x80) {
    body->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  body->push_back(static_cast<char>(v));
  const size_t at = body->size();
  body->resize(at + size);
  spec.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(&(*body)[at]));
}

std::optional<uint32_t> FrameBodySize(std::string_view buffered) {
  if (buffered.size() < kTaskFrameHeaderBytes) return std::nullopt;
  const auto* p = reinterpret_cast<const uint8_t*>(buffered.data());
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

absl::StatusOr<DecodedFrame> DecodeTaskFrame(std::string_view buffered) {
  DecodedFrame decoded;
  const std::optional<uint32_t> size = FrameBodySize(buffered);
  if (!size) return decoded;
  if (*size > kMaxTaskFrameBytes) return absl::DataLossError(absl::StrCat("frame of ", *size, " bytes"));
  if (buffered.size() < kTaskFrameHeaderBytes + *size) return decoded;
  if (!decoded.frame.ParseFromArray(buffered.data() + kTaskFrameHeaderBytes, static_cast<int>(*size))) {
    return absl::DataLossError("malformed frame");
  }
  decoded.bytes = kTaskFrameHeaderBytes + *size;
  return decoded;
}

bool WriteTaskFrame(int fd, const TaskStreamFrame& frame) {
  std::string out;
  AppendFrame(frame, &out);
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace rpc
}  // namespace photon
