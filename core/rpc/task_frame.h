#pragma once

// The task stream's wire format, written once for both of its ends: a frame
// is a 4-byte little-endian length, then a serialized rpc::TaskStreamFrame.
//
// The submitter side (TaskStream, on an EventLoop) encodes frames into a
// buffer; the worker side (TaskReceiver, ActorReceiver) writes them to a
// blocking socket. Both read the length the same way:
//
//   std::string out;
//   AppendFrame(hello, &out);                 // length, then the frame
//   std::string body;                         // a frame encoded by hand,
//   for (const auto& spec : specs) AppendPush(spec, &body);   // spec by spec
//   AppendFrameHeader(body.size(), &out);
//   out += body;
//
//   absl::StatusOr<DecodedFrame> next = DecodeTaskFrame(buffered);
//   if (!next.ok()) ...                                   // corrupt: close the stream
//   if (next->bytes == 0) ...                             // not all there yet: read more
//   buffered.remove_prefix(next->bytes);  OnFrame(std::move(next->frame));
//
// Free functions without state: thread-safe.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace rpc {

// Bytes of the length prefix.
inline constexpr size_t kTaskFrameHeaderBytes = 4;
// The largest frame either side accepts; a larger length means a corrupt stream.
inline constexpr uint32_t kMaxTaskFrameBytes = 512u << 20;

// Appends the length prefix of a frame of `body_size` bytes.
void AppendFrameHeader(size_t body_size, std::string* out);

// Appends `frame` with its length prefix.
void AppendFrame(const TaskStreamFrame& frame, std::string* out);

// Appends `spec` as one `push` entry of a TaskStreamFrame body being encoded
// by hand: each spec is serialized straight into the buffer, with no copy
// into a TaskStreamFrame first.
void AppendPush(const TaskSpec& spec, std::string* body);

// The body size announced by the prefix at the front of `buffered`;
// nullopt while fewer than kTaskFrameHeaderBytes bytes are there.
std::optional<uint32_t> FrameBodySize(std::string_view buffered);

struct DecodedFrame {
  // Bytes the frame took at the front of the buffer, prefix included; 0
  // when it is not all there yet (`frame` is then empty).
  size_t bytes = 0;
  TaskStreamFrame frame;
};

// Decodes the frame at the front of `buffered`. DataLoss for a stream that
// cannot be read on: "frame of N bytes" (over kMaxTaskFrameBytes) or
// "malformed frame".
absl::StatusOr<DecodedFrame> DecodeTaskFrame(std::string_view buffered);

// Writes `frame` with its prefix to a blocking socket; false when the socket
// broke (the peer went away).
bool WriteTaskFrame(int fd, const TaskStreamFrame& frame);

}  // namespace rpc
}  // namespace photon
