#include "core/core_worker/actor_receiver.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/common/logging.h"
#include "core/rpc/auth.h"
#include "core/rpc/task_frame.h"

namespace photon {
namespace core {

ActorReceiver::ActorReceiver(std::string token, TaskReceiver::Execute execute, int max_concurrency)
    : token_(std::move(token)), execute_(std::move(execute)), max_concurrency_(std::max(1, max_concurrency)) {
  if (max_concurrency_ > 1) {
    for (int i = 0; i < max_concurrency_; i++) pool_.emplace_back([this] { PoolThread(); });
  }
}

ActorReceiver::~ActorReceiver() {
  stopped_ = true;
  pool_wake_.notify_all();
  for (std::thread& t : pool_) t.join();
}

void ActorReceiver::Run(int listen_fd, int first_fd) {
  std::vector<std::shared_ptr<Stream>> streams;
  auto add = [&](int fd) {
    auto s = std::make_shared<Stream>();
    s->fd = fd;
    streams.push_back(std::move(s));
  };
  add(first_fd);
  // The creator's stream was authenticated by TaskReceiver.
  streams.front()->authenticated = true;
  std::vector<pollfd> fds;
  while (!stopped_) {
    fds.clear();
    fds.push_back({listen_fd, POLLIN, 0});
    for (const auto& s : streams) fds.push_back({s->fd, POLLIN, 0});
    const int n = poll(fds.data(), fds.size(), 200);  // wakes now and then to see Stop
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (fds[0].revents & POLLIN) {
      int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        add(fd);
      }
    } else if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      break;  // the listening socket was shut down: the worker is stopping
    }
    std::vector<std::shared_ptr<Stream>> open;
    for (size_t i = 1; i < fds.size(); i++) {
      const std::shared_ptr<Stream>& s = streams[i - 1];
      if (fds[i].revents == 0 || ReadFrom(s)) {
        open.push_back(s);
        continue;
      }
      std::lock_guard<std::mutex> lock(s->send_mu);
      s->broken = true;
      close(s->fd);
    }
    // Streams accepted in this round sit after the polled ones.
    for (size_t i = fds.size() - 1; i < streams.size(); i++) open.push_back(streams[i]);
    streams.swap(open);
  }
  for (const auto& s : streams) {
    std::lock_guard<std::mutex> lock(s->send_mu);
    s->broken = true;
    close(s->fd);
  }
}

bool ActorReceiver::ReadFrom(const std::shared_ptr<Stream>& stream) {
  char chunk[65536];
  ssize_t n = recv(stream->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
  if (n == 0) return false;
  if (n < 0) return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK;
  stream->inbox.append(chunk, static_cast<size_t>(n));
  size_t start = 0;
  rpc::TaskStreamFrame replies;
  while (true) {
    absl::StatusOr<rpc::DecodedFrame> next = rpc::DecodeTaskFrame(std::string_view(stream->inbox).substr(start));
    if (!next.ok()) {
      PHOTON_LOG(WARNING) << "actor stream: " << next.status().message() << "; closing";
      return false;
    }
    if (next->bytes == 0) break;
    start += next->bytes;
    rpc::TaskStreamFrame& frame = next->frame;
    if (!stream->authenticated) {
      if (!token_.empty() && !rpc::TokensEqual(frame.token(), token_)) {
        PHOTON_LOG(WARNING) << "refused an actor stream: wrong cluster token";
        return false;
      }
      stream->authenticated = true;
    }
    for (rpc::TaskSpec& spec : *frame.mutable_push()) {
      if (max_concurrency_ == 1) {
        *replies.add_replies() = execute_(spec);
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(pool_mu_);
        pool_queue_.push_back(Call{stream, std::move(spec)});
      }
      pool_wake_.notify_one();
    }
  }
  stream->inbox.erase(0, start);
  if (replies.replies_size() > 0) Reply(stream, replies);
  return true;
}

void ActorReceiver::Reply(const std::shared_ptr<Stream>& stream, rpc::TaskStreamFrame& frame) {
  std::lock_guard<std::mutex> lock(stream->send_mu);
  if (stream->broken) return;  // the caller went away; it will not read this
  if (!rpc::WriteTaskFrame(stream->fd, frame)) stream->broken = true;
}

void ActorReceiver::PoolThread() {
  while (true) {
    Call call;
    {
      std::unique_lock<std::mutex> lock(pool_mu_);
      pool_wake_.wait(lock, [this] { return stopped_ || !pool_queue_.empty(); });
      if (stopped_) return;
      call = std::move(pool_queue_.front());
      pool_queue_.pop_front();
    }
    rpc::TaskStreamFrame frame;
    *frame.add_replies() = execute_(call.spec);
    Reply(call.stream, frame);
  }
}

}  // namespace core
}  // namespace photon
