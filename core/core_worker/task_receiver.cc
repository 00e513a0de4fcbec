#include "core/core_worker/task_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/core_worker/actor_receiver.h"
#include "core/rpc/auth.h"
#include "core/rpc/task_frame.h"

namespace photon {
namespace core {
namespace {

// Replies held back while more tasks of the same burst are queued.
constexpr int kMaxBatchedReplies = 128;

}  // namespace

TaskReceiver::TaskReceiver(std::string token) : token_(std::move(token)) {}

TaskReceiver::~TaskReceiver() {
  Stop();
  int fd = listen_fd_.exchange(-1);
  if (fd >= 0) close(fd);
}

absl::StatusOr<int> TaskReceiver::Listen(const std::string& host) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", std::strerror(errno)));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    close(fd);
    return absl::InvalidArgumentError("bad listen address '" + host + "'");
  }
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return absl::UnavailableError("worker cannot listen for tasks: " + why);
  }
  listen_fd_ = fd;
  return ntohs(addr.sin_port);
}

void TaskReceiver::RunExecutionLoop(Execute execute, LeaseDone on_lease_done, AsyncCalls async) {
  execute_ = std::move(execute);
  on_lease_done_ = std::move(on_lease_done);
  async_ = std::move(async);
  while (!stopped_) {
    const int lfd = listen_fd_;
    if (lfd < 0) return;
    int fd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (!stopped_) PHOTON_LOG(ERROR) << "task stream accept failed: " << std::strerror(errno);
      return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    conn_fd_ = fd;
    Serve(fd);
    conn_fd_ = -1;
    close(fd);
  }
}

void TaskReceiver::Serve(int fd) {
  authenticated_ = false;
  lease_id_ = 0;
  inbox_.clear();
  inbox_start_ = 0;
  queue_.clear();
  replies_.Clear();
  bool open = true;
  while (open && !stopped_) {
    // Wait for work when idle; otherwise only pick up what already arrived
    // (more tasks to batch replies with, and cancels).
    open = ReadFrames(fd, /*block=*/queue_.empty());
    if (!open) break;
    if (queue_.empty()) {
      open = Flush(fd);
      continue;
    }
    rpc::TaskSpec spec = std::move(queue_.front());
    queue_.pop_front();
    *replies_.add_replies() = execute_(spec);
    if (spec.actor_creation()) {
      const bool created = replies_.replies(replies_.replies_size() - 1).outcome() == rpc::TaskReply::OK;
      if (!Flush(fd) || !created) break;  // a failed constructor: the creator ends this worker
      BecomeActor(fd, spec.max_concurrency());
      return;  // RunExecutionLoop closes fd
    }
    if (queue_.empty() || replies_.replies_size() >= kMaxBatchedReplies) open = Flush(fd);
  }
  queue_.clear();
  if (lease_id_ != 0 && on_lease_done_) on_lease_done_(lease_id_);
}

bool TaskReceiver::ReadFrames(int fd, bool block) {
  bool got_frame = false;
  while (true) {
    // Parse whole frames already buffered.
    while (true) {
      absl::StatusOr<rpc::DecodedFrame> next = rpc::DecodeTaskFrame(std::string_view(inbox_).substr(inbox_start_));
      if (!next.ok()) {
        PHOTON_LOG(WARNING) << "task stream: " << next.status().message() << "; closing";
        return false;
      }
      if (next->bytes == 0) break;
      inbox_start_ += next->bytes;
      rpc::TaskStreamFrame& frame = next->frame;
      got_frame = true;
      if (!authenticated_) {
        if (!token_.empty() && !rpc::TokensEqual(frame.token(), token_)) {
          PHOTON_LOG(WARNING) << "refused a task stream: wrong cluster token";
          return false;
        }
        authenticated_ = true;
        lease_id_ = frame.lease_id();
      }
      Apply(std::move(frame));
    }
    if (inbox_start_ == inbox_.size()) {
      inbox_.clear();
      inbox_start_ = 0;
    }
    // A blocking read that brought whole frames is enough: the caller reads
    // again (without blocking) before each task it runs.
    if (block && got_frame) return true;
    const bool wait = block;
    char chunk[65536];
    ssize_t n = recv(fd, chunk, sizeof(chunk), wait ? 0 : MSG_DONTWAIT);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      return false;
    }
    inbox_.append(chunk, static_cast<size_t>(n));
  }
}

void TaskReceiver::Apply(rpc::TaskStreamFrame frame) {
  for (rpc::TaskSpec& spec : *frame.mutable_push()) queue_.push_back(std::move(spec));
  for (const std::string& id : frame.cancel()) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->task_id() != id) continue;
      rpc::TaskReply* reply = replies_.add_replies();
      reply->set_task_id(it->task_id());
      reply->set_attempt(it->attempt());
      reply->set_outcome(rpc::TaskReply::CANCELLED);
      reply->set_error_message("task cancelled before it ran");
      queue_.erase(it);
      break;
    }
  }
}

bool TaskReceiver::Flush(int fd) {
  if (replies_.replies_size() == 0) return true;
  const bool ok = rpc::WriteTaskFrame(fd, replies_);
  replies_.Clear();
  return ok;
}

void TaskReceiver::BecomeActor(int fd, int max_concurrency) {
  ActorReceiver actor(token_, execute_, max_concurrency, async_);
  actor_ = &actor;
  if (!stopped_) actor.Run(listen_fd_, fd);
  actor_ = nullptr;
}

void TaskReceiver::Stop() {
  stopped_ = true;
  if (ActorReceiver* actor = actor_.load()) actor->Stop();
  int lfd = listen_fd_;
  if (lfd >= 0) shutdown(lfd, SHUT_RDWR);
  int cfd = conn_fd_;
  if (cfd >= 0) shutdown(cfd, SHUT_RDWR);
}

}  // namespace core
}  // namespace photon
