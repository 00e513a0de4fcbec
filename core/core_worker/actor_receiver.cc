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

ActorReceiver::ActorReceiver(std::string token, TaskReceiver::Execute execute, int max_concurrency,
                             TaskReceiver::AsyncCalls async)
    : token_(std::move(token)),
      execute_(std::move(execute)),
      max_concurrency_(std::max(1, max_concurrency)),
      async_(std::move(async)),
      async_enabled_(async_.enabled && async_.enabled()) {
  // An async actor's coroutines run on its loop; the threads wait for
  // arguments to arrive, and run its other methods.
  const int threads = async_enabled_ ? std::min(max_concurrency_, kAsyncActorThreads) : max_concurrency_;
  if (threads > 1) {
    for (int i = 0; i < threads; i++) pool_.emplace_back([this] { PoolThread(); });
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
    RunSerial(streams);
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
  if (!async_enabled_) return ApplyInbox(stream);
  bool open = true;
  // (One hold of the language's lock for everything that arrived.)
  async_.batch([&] { open = ApplyInbox(stream); });
  return open;
}

bool ActorReceiver::ApplyInbox(const std::shared_ptr<Stream>& stream) {
  size_t start = 0;
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
    for (rpc::TaskSpec& spec : *frame.mutable_push()) Dispatch(stream, std::move(spec));
    for (const std::string& id : frame.cancel()) Cancel(stream, id);
  }
  stream->inbox.erase(0, start);
  return true;
}

TaskReceiver::AsyncCalls::Done ActorReceiver::ReplyTo(const std::shared_ptr<Stream>& stream) {
  return [stream](rpc::TaskReply r) {
    rpc::TaskStreamFrame frame;
    *frame.add_replies() = std::move(r);
    Reply(stream, frame);
  };
}

void ActorReceiver::Dispatch(const std::shared_ptr<Stream>& stream, rpc::TaskSpec spec) {
  if (async_enabled_) {
    auto shared = std::make_shared<rpc::TaskSpec>(std::move(spec));
    TaskReceiver::AsyncCalls::Done reply = ReplyTo(stream);
    if (async_.start(shared, reply)) return;
    spec = std::move(*shared);  // arguments to wait for, or not a coroutine's: a thread runs it
  }
  if (pool_.empty()) {
    serial_queue_.push_back(Call{stream, std::move(spec)});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    pool_queue_.push_back(Call{stream, std::move(spec)});
  }
  pool_wake_.notify_one();
}

void ActorReceiver::Cancel(const std::shared_ptr<Stream>& stream, const std::string& task_id) {
  auto take = [&](std::deque<Call>& queue) {
    for (auto it = queue.begin(); it != queue.end(); ++it) {
      if (it->spec.task_id() != task_id) continue;
      ReplyCancelled(it->stream, it->spec);
      queue.erase(it);
      return true;
    }
    return false;
  };
  if (take(serial_queue_)) return;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (take(pool_queue_)) return;
  }
  if (async_enabled_) async_.cancel(task_id);
  (void)stream;
}

void ActorReceiver::RunSerial(std::vector<std::shared_ptr<Stream>>& streams) {
  // Replies of calls that arrived together go together.
  std::vector<std::pair<std::shared_ptr<Stream>, rpc::TaskStreamFrame>> replies;
  auto flush = [&] {
    for (auto& [stream, frame] : replies) Reply(stream, frame);
    replies.clear();
  };
  std::vector<pollfd> fds;
  while (!serial_queue_.empty() && !stopped_) {
    Call call = std::move(serial_queue_.front());
    serial_queue_.pop_front();
    if (replies.empty() || replies.back().first != call.stream) replies.emplace_back(call.stream, rpc::TaskStreamFrame());
    *replies.back().second.add_replies() = execute_(call.spec);
    if (serial_queue_.empty()) break;
    // Cancels (and calls) sent while it ran.
    fds.clear();
    for (const auto& s : streams) fds.push_back({s->fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), 0) <= 0) continue;
    flush();
    for (size_t i = 0; i < fds.size(); i++) {
      // (A stream that closed is dropped by Run's next round.)
      if (fds[i].revents != 0) ReadFrom(streams[i]);
    }
  }
  flush();
}

void ActorReceiver::ReplyCancelled(const std::shared_ptr<Stream>& stream, const rpc::TaskSpec& spec) {
  rpc::TaskStreamFrame frame;
  rpc::TaskReply* reply = frame.add_replies();
  reply->set_task_id(spec.task_id());
  reply->set_attempt(spec.attempt());
  reply->set_outcome(rpc::TaskReply::CANCELLED);
  reply->set_error_message("actor call " + spec.function_name() + " cancelled before it ran");
  Reply(stream, frame);
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
    if (async_enabled_) {
      async_.run(std::make_shared<const rpc::TaskSpec>(std::move(call.spec)), ReplyTo(call.stream));
      continue;
    }
    rpc::TaskStreamFrame frame;
    *frame.add_replies() = execute_(call.spec);
    Reply(call.stream, frame);
  }
}

}  // namespace core
}  // namespace photon
