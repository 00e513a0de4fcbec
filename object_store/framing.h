#pragma once

// Frames on the store's unix socket: a 4-byte little-endian length, then the
// bytes of one serialized protobuf. The store's first frame carries its
// shared-memory descriptor as SCM_RIGHTS ancillary data.
//
//   RETURN_IF_ERROR(WriteFrame(fd, request.SerializeAsString()));
//   ASSIGN_OR_RETURN(std::string bytes, ReadFrame(fd));
//
// Blocking calls on a blocking socket; thread-compatible per descriptor.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace photon {
namespace object_store {

// Frames larger than this are refused as corrupt.
inline constexpr uint32_t kMaxFrameBytes = 64 << 20;

std::string EncodeFrame(const std::string& body);
absl::Status WriteFrame(int socket, const std::string& body);
// Unavailable on EOF or a socket error ("connection closed").
absl::StatusOr<std::string> ReadFrame(int socket);

// Like ReadFrame, but reads as much as the socket has into `buffer` and
// returns the first whole frame from it, keeping the rest for the next call
// (one recv per reply instead of two).
// With `spin` > 0 it first polls the socket for that long before blocking,
// which saves a wakeup when the answer is quick (the store's usually is).
absl::StatusOr<std::string> ReadFrameBuffered(int socket, std::string* buffer,
                                              std::chrono::microseconds spin = std::chrono::microseconds(0));

// Takes the first whole frame off the front of `buffer`; nullopt when it
// holds none yet, DataLoss for an impossible length.
absl::StatusOr<std::optional<std::string>> TakeFrame(std::string* buffer);

// Sends one frame with `fd_to_pass` attached.
absl::Status SendFrameWithFd(int socket, const std::string& body, int fd_to_pass);
// Receives the frame SendFrameWithFd sent: its body and the new descriptor.
absl::StatusOr<std::pair<std::string, int>> ReceiveFrameWithFd(int socket);

}  // namespace object_store
}  // namespace photon
