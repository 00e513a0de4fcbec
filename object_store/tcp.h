#pragma once

// Small blocking TCP helpers for the object manager's data stream.
//
//   ASSIGN_OR_RETURN(int fd, ConnectTcp("10.0.0.5:40123", std::chrono::seconds(5)));
//   RETURN_IF_ERROR(SendAll(fd, data, size));
//
// Sockets get TCP_NODELAY, large buffers, and send/receive timeouts so a peer
// that stops answering produces an error instead of a hang.

#include <chrono>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace photon {
namespace object_store {

// Connects within `timeout`; `io_timeout` bounds every later send/recv.
absl::StatusOr<int> ConnectTcp(const std::string& host_port, std::chrono::milliseconds timeout,
                               std::chrono::milliseconds io_timeout = std::chrono::seconds(30));
// A listening socket on host:port (port 0: any); returns the fd and the port.
absl::StatusOr<std::pair<int, int>> ListenTcp(const std::string& host, int port);
void TuneSocket(int fd, std::chrono::milliseconds io_timeout);

absl::Status SendAll(int fd, const uint8_t* data, int64_t size);
// Unavailable("connection closed after N of M bytes") when the peer goes.
absl::Status RecvAll(int fd, uint8_t* data, int64_t size);

}  // namespace object_store
}  // namespace photon
