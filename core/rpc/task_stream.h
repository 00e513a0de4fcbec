#pragma once

// TaskStream: one TCP connection between a submitter and a leased worker,
// carrying TaskStreamFrames (format: core/rpc/task_frame.h), driven by an
// EventLoop. Task submitters and the GCS (for actor constructors) use it;
// the worker's side is core/core_worker/task_receiver.h.
//
//   TaskStream::Connect(loop, lease.worker(), [&](absl::StatusOr<std::shared_ptr<TaskStream>> s) {
//     (*s)->Start([&](rpc::TaskStreamFrame f) { OnFrame(f); },
//                 [&](const absl::Status& why) { OnClosed(why); });
//     (*s)->Send(frame);
//   });
//
// Sends are queued and coalesced: frames sent while a write is in progress
// go out together in the next write. `on_closed` runs once, on the loop,
// when the peer goes, a frame is malformed, or Close is called; nothing runs
// after it.
//
// Runs only on the loop: call every method on the loop thread (Connect's
// completion runs there too).

#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "proto/common.pb.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace rpc {

class TaskStream : public std::enable_shared_from_this<TaskStream> {
 public:
  using OnFrame = std::function<void(TaskStreamFrame)>;
  using OnClosed = std::function<void(const absl::Status&)>;
  using OnConnected = std::function<void(absl::StatusOr<std::shared_ptr<TaskStream>>)>;

  // Connects to the worker's ip and port (its task port, as the raylet
  // granted it); `done` runs on the loop. InvalidArgument for an ip that is
  // not one; Unavailable when nothing answers.
  static void Connect(EventLoop& loop, const Address& worker, OnConnected done);
  // Wraps an accepted socket.
  static std::shared_ptr<TaskStream> Adopt(EventLoop& loop, boost::asio::ip::tcp::socket socket);

  TaskStream(EventLoop& loop, boost::asio::ip::tcp::socket socket);

  // Starts reading. REQUIRES: called once.
  void Start(OnFrame on_frame, OnClosed on_closed);
  void Send(const TaskStreamFrame& frame);
  // Sends a frame already serialized (without its length prefix).
  void SendEncoded(const std::string& body);
  // Closes now; `on_closed` runs with `why`.
  void Close(const absl::Status& why);
  bool closed() const { return closed_; }
  const std::string& peer() const { return peer_; }

 private:
  void ReadMore();
  void ParseFrames();
  // Grows the read buffer when the frame at the front of `buffered` (not
  // all read yet) would not fit.
  void MakeRoomFor(std::string_view buffered);
  void WriteMore();

  EventLoop& loop_;
  boost::asio::ip::tcp::socket socket_;
  std::string peer_;
  OnFrame on_frame_;
  OnClosed on_closed_;
  bool closed_ = false;
  // Bytes read and not parsed yet: [read_start_, read_end_) of read_buffer_.
  std::string read_buffer_;
  size_t read_start_ = 0;
  size_t read_end_ = 0;
  // Frames queued while a write is in flight, and the bytes in flight.
  std::string pending_;
  std::string writing_;
  bool write_in_flight_ = false;
};

}  // namespace rpc
}  // namespace photon
