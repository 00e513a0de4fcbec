#include "core/rpc/task_stream.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "absl/strings/str_cat.h"
#include "core/rpc/addresses.h"
#include "core/rpc/task_frame.h"

namespace photon {
namespace rpc {

using boost::asio::ip::tcp;

void TaskStream::Connect(EventLoop& loop, const Address& worker, OnConnected done) {
  const std::string host_port = HostPort(worker);
  boost::system::error_code ec;
  boost::asio::ip::address ip = boost::asio::ip::make_address(worker.ip(), ec);
  if (ec || worker.port() <= 0 || worker.port() > 65535) {
    loop.Post("TaskStream.BadAddress", [done, host_port] {
      done(absl::InvalidArgumentError("bad worker address '" + host_port + "': want IP:PORT"));
    });
    return;
  }
  auto socket = std::make_shared<tcp::socket>(loop.io_context());
  socket->async_connect(tcp::endpoint(ip, static_cast<uint16_t>(worker.port())),
                        [&loop, socket, done, host_port](const boost::system::error_code& error) {
                          if (error) {
                            return done(absl::UnavailableError(
                                absl::StrCat("cannot connect to worker at ", host_port, ": ", error.message())));
                          }
                          done(Adopt(loop, std::move(*socket)));
                        });
}

std::shared_ptr<TaskStream> TaskStream::Adopt(EventLoop& loop, tcp::socket socket) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  return std::make_shared<TaskStream>(loop, std::move(socket));
}

TaskStream::TaskStream(EventLoop& loop, tcp::socket socket) : loop_(loop), socket_(std::move(socket)) {
  boost::system::error_code ec;
  tcp::endpoint remote = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : absl::StrCat(remote.address().to_string(), ":", remote.port());
  read_buffer_.resize(64 << 10);
}

void TaskStream::Start(OnFrame on_frame, OnClosed on_closed) {
  on_frame_ = std::move(on_frame);
  on_closed_ = std::move(on_closed);
  ReadMore();
}

void TaskStream::ReadMore() {
  if (read_start_ == read_end_) read_start_ = read_end_ = 0;
  if (read_buffer_.size() - read_end_ < (16 << 10)) {
    // Move the unparsed tail to the front, growing only when it is most of the buffer.
    read_buffer_.erase(0, read_start_);
    read_end_ -= read_start_;
    read_start_ = 0;
    if (read_buffer_.size() - read_end_ < (16 << 10)) read_buffer_.resize(read_buffer_.size() * 2);
  }
  auto self = shared_from_this();
  socket_.async_read_some(
      boost::asio::buffer(&read_buffer_[read_end_], read_buffer_.size() - read_end_),
      [self](const boost::system::error_code& error, size_t n) {
        if (self->closed_) return;
        if (error) {
          return self->Close(absl::UnavailableError(absl::StrCat(
              "connection to ", self->peer_, " closed: ",
              error == boost::asio::error::eof ? std::string("peer went away") : error.message())));
        }
        self->read_end_ += n;
        self->ParseFrames();
        if (!self->closed_) self->ReadMore();
      });
}

void TaskStream::ParseFrames() {
  while (!closed_) {
    const std::string_view buffered(read_buffer_.data() + read_start_, read_end_ - read_start_);
    absl::StatusOr<DecodedFrame> next = DecodeTaskFrame(buffered);
    if (!next.ok()) {
      return Close(absl::DataLossError(absl::StrCat("task stream from ", peer_, ": ", next.status().message())));
    }
    if (next->bytes == 0) return MakeRoomFor(buffered);
    read_start_ += next->bytes;
    on_frame_(std::move(next->frame));
  }
}

void TaskStream::MakeRoomFor(std::string_view buffered) {
  // A frame larger than the buffer: grow it to hold the whole frame.
  const std::optional<uint32_t> size = FrameBodySize(buffered);
  if (!size) return;
  const size_t whole = kTaskFrameHeaderBytes + *size;
  if (read_buffer_.size() >= whole + (16 << 10)) return;
  read_buffer_.erase(0, read_start_);
  read_end_ -= read_start_;
  read_start_ = 0;
  read_buffer_.resize(whole + (64 << 10));
}

void TaskStream::Send(const TaskStreamFrame& frame) {
  if (closed_) return;
  AppendFrame(frame, &pending_);
  if (!write_in_flight_) WriteMore();
}

void TaskStream::SendEncoded(const std::string& body) {
  if (closed_) return;
  AppendFrameHeader(body.size(), &pending_);
  pending_ += body;
  if (!write_in_flight_) WriteMore();
}

void TaskStream::WriteMore() {
  if (pending_.empty() || closed_) {
    write_in_flight_ = false;
    return;
  }
  write_in_flight_ = true;
  writing_.swap(pending_);
  pending_.clear();
  auto self = shared_from_this();
  boost::asio::async_write(socket_, boost::asio::buffer(writing_),
                           [self](const boost::system::error_code& error, size_t) {
                             if (self->closed_) return;
                             if (error) {
                               return self->Close(absl::UnavailableError(
                                   absl::StrCat("write to ", self->peer_, " failed: ", error.message())));
                             }
                             self->writing_.clear();
                             self->WriteMore();
                           });
}

void TaskStream::Close(const absl::Status& why) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  OnClosed on_closed = std::move(on_closed_);
  if (on_closed) on_closed(why);
}

}  // namespace rpc
}  // namespace photon
