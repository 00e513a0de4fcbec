#include "object_store/framing.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace photon {
namespace object_store {
namespace {

absl::Status IoError(const char* what) {
  return absl::UnavailableError(absl::StrCat("object store socket: ", what, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int socket, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(socket, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("write failed");
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::Status ReadAll(int socket, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = recv(socket, data, size, 0);
    if (n == 0) return absl::UnavailableError("object store socket: connection closed");
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("read failed");
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

uint32_t DecodeLength(const char* p) {
  return static_cast<uint32_t>(static_cast<uint8_t>(p[0])) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3])) << 24;
}

}  // namespace

std::string EncodeFrame(const std::string& body) {
  std::string frame(4, '\0');
  uint32_t n = static_cast<uint32_t>(body.size());
  for (int i = 0; i < 4; i++) frame[i] = static_cast<char>(n >> (8 * i));
  frame += body;
  return frame;
}

absl::Status WriteFrame(int socket, const std::string& body) {
  std::string frame = EncodeFrame(body);
  return WriteAll(socket, frame.data(), frame.size());
}

absl::StatusOr<std::string> ReadFrame(int socket) {
  char header[4];
  absl::Status s = ReadAll(socket, header, 4);
  if (!s.ok()) return s;
  uint32_t n = DecodeLength(header);
  if (n > kMaxFrameBytes) return absl::DataLossError(absl::StrCat("object store socket: frame of ", n, " bytes"));
  std::string body(n, '\0');
  s = ReadAll(socket, body.data(), n);
  if (!s.ok()) return s;
  return body;
}

absl::StatusOr<std::optional<std::string>> TakeFrame(std::string* buffer) {
  if (buffer->size() < 4) return std::optional<std::string>();
  uint32_t n = DecodeLength(buffer->data());
  if (n > kMaxFrameBytes) return absl::DataLossError(absl::StrCat("object store socket: frame of ", n, " bytes"));
  if (buffer->size() < 4 + static_cast<size_t>(n)) return std::optional<std::string>();
  std::string body = buffer->substr(4, n);
  buffer->erase(0, 4 + static_cast<size_t>(n));
  return std::optional<std::string>(std::move(body));
}

absl::StatusOr<std::string> ReadFrameBuffered(int socket, std::string* buffer,
                                              std::chrono::microseconds spin) {
  char chunk[16384];
  const auto spin_until = std::chrono::steady_clock::now() + spin;
  while (true) {
    absl::StatusOr<std::optional<std::string>> frame = TakeFrame(buffer);
    if (!frame.ok()) return frame.status();
    if (frame->has_value()) return std::move(**frame);
    ssize_t n = recv(socket, chunk, sizeof(chunk), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (std::chrono::steady_clock::now() < spin_until) continue;
      n = recv(socket, chunk, sizeof(chunk), 0);
    }
    if (n == 0) return absl::UnavailableError("object store socket: connection closed");
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("read failed");
    }
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

absl::Status SendFrameWithFd(int socket, const std::string& body, int fd_to_pass) {
  std::string frame = EncodeFrame(body);
  iovec iov{frame.data(), frame.size()};
  char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd_to_pass, sizeof(int));
  ssize_t n;
  do {
    n = sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return IoError("sending the shared-memory descriptor failed");
  if (static_cast<size_t>(n) < frame.size()) {
    return WriteAll(socket, frame.data() + n, frame.size() - static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<std::string, int>> ReceiveFrameWithFd(int socket) {
  char header[4];
  iovec iov{header, sizeof(header)};
  char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(socket, &msg, MSG_WAITALL | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return absl::UnavailableError("object store socket: connection closed before the hello");
  if (n < 0) return IoError("reading the hello failed");
  int fd = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
  }
  if (fd < 0) return absl::DataLossError("object store socket: the hello carried no descriptor");
  if (n < 4) {
    absl::Status s = ReadAll(socket, header + n, 4 - static_cast<size_t>(n));
    if (!s.ok()) {
      close(fd);
      return s;
    }
  }
  uint32_t size = DecodeLength(header);
  if (size > kMaxFrameBytes) {
    close(fd);
    return absl::DataLossError("object store socket: hello too large");
  }
  std::string body(size, '\0');
  absl::Status s = ReadAll(socket, body.data(), size);
  if (!s.ok()) {
    close(fd);
    return s;
  }
  return std::make_pair(std::move(body), fd);
}

}  // namespace object_store
}  // namespace photon
