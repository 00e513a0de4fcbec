#include "dashboard/log_tail.h"

#include <fstream>
#include <thread>

#include <boost/asio/buffer.hpp>

#include "core/common/logging.h"

namespace photon {
namespace dashboard {
namespace {

namespace websocket = boost::beast::websocket;

constexpr size_t kMaxFrame = 64 << 10;

// Where a frame may end: after the last newline, else (a very long line) at
// a UTF-8 character boundary, so every text frame is valid UTF-8.
size_t FrameEnd(const std::string& pending, bool flush) {
  size_t limit = std::min(pending.size(), kMaxFrame);
  size_t newline = pending.rfind('\n', limit - 1);
  if (newline != std::string::npos) return newline + 1;
  if (!flush && pending.size() < kMaxFrame) return 0;
  size_t end = limit;
  while (end > 0 && end < pending.size() && (static_cast<unsigned char>(pending[end]) & 0xC0) == 0x80) end--;
  return end;
}

// Sends what can be sent of `pending`; false when the peer is gone.
bool SendFrames(http::WebSocket& ws, std::string& pending, bool flush) {
  while (!pending.empty()) {
    size_t end = FrameEnd(pending, flush);
    if (end == 0) return true;
    boost::beast::error_code ec;
    ws.write(boost::asio::buffer(pending.data(), end), ec);
    if (ec) return false;
    pending.erase(0, end);
  }
  return true;
}

// Appends what was added to the file since `offset`.
void ReadMore(const std::string& path, std::streamoff& offset, std::string& pending) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return;
  in.seekg(offset);
  char buffer[16 << 10];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    pending.append(buffer, static_cast<size_t>(in.gcount()));
    offset += in.gcount();
  }
}

void Follow(http::WebSocket& ws, const std::string& path, const std::function<bool()>& ended, int poll_ms) {
  std::streamoff offset = 0;
  std::string pending;
  for (int round = 0;; round++) {
    // Asked before reading, so what the job wrote before it ended is read.
    bool over = round % 5 == 0 && ended();
    ReadMore(path, offset, pending);
    if (!SendFrames(ws, pending, over)) return;
    if (over) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  boost::beast::error_code ec;
  ws.close(websocket::close_code::normal, ec);
}

}  // namespace

void LogTailer::Start(std::unique_ptr<http::WebSocket> socket, const http::Request& request, std::string log_path,
                      std::function<bool()> ended) {
  std::shared_ptr<std::atomic<int>> running = running_;
  bool allowed = running->fetch_add(1) < options_.max_tails;
  int poll_ms = options_.poll_ms;
  std::thread([socket = std::move(socket), request, log_path = std::move(log_path), ended = std::move(ended),
               running, allowed, poll_ms]() mutable {
    boost::beast::error_code ec;
    socket->accept(request, ec);
    if (!ec) {
      socket->text(true);
      if (allowed) {
        Follow(*socket, log_path, ended, poll_ms);
      } else {
        socket->close(websocket::close_reason(websocket::close_code::try_again_later, "too many log tails"), ec);
      }
    }
    running->fetch_sub(1);
  }).detach();
}

}  // namespace dashboard
}  // namespace photon
