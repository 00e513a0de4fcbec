#include "core/core_worker/task_receiver.h"

#include <unistd.h>

#include <chrono>

#include "core/common/logging.h"
#include "core/rpc/auth.h"

namespace photon {
namespace core {

using boost::asio::ip::tcp;

TaskReceiver::TaskReceiver(EventLoop& loop, std::string token, Execute execute)
    : loop_(loop), token_(std::move(token)), execute_(std::move(execute)) {}

TaskReceiver::~TaskReceiver() { Stop(); }

absl::StatusOr<int> TaskReceiver::Listen(const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return absl::InvalidArgumentError("bad listen address '" + host + "'");
  acceptor_ = std::make_unique<tcp::acceptor>(loop_.io_context());
  tcp::endpoint endpoint(address, 0);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(128, ec);
  if (ec) return absl::UnavailableError("worker cannot listen for tasks: " + ec.message());
  const int port = acceptor_->local_endpoint().port();
  loop_.Post("TaskReceiver.Accept", [this] { Accept(); });
  return port;
}

void TaskReceiver::Accept() {
  acceptor_->async_accept([this](const boost::system::error_code& error, tcp::socket socket) {
    if (error) {
      if (error != boost::asio::error::operation_aborted) {
        PHOTON_LOG(WARNING) << "task stream accept failed: " << error.message();
      }
      if (acceptor_->is_open()) Accept();
      return;
    }
    auto conn = std::make_shared<Connection>();
    conn->stream = TaskStream::Adopt(loop_, std::move(socket));
    connections_.push_back(conn);
    Connection* raw = conn.get();
    conn->stream->Start([this, raw](rpc::TaskStreamFrame frame) { OnFrame(raw, std::move(frame)); },
                        [this, raw](const absl::Status&) {
                          {
                            std::lock_guard<std::mutex> lock(raw->mu);
                            raw->closed = true;
                          }
                          for (auto it = connections_.begin(); it != connections_.end(); ++it) {
                            if (it->get() == raw) {
                              connections_.erase(it);
                              break;
                            }
                          }
                        });
    Accept();
  });
}

std::shared_ptr<TaskReceiver::Connection> TaskReceiver::Find(Connection* raw) const {
  for (const auto& c : connections_) {
    if (c.get() == raw) return c;
  }
  return nullptr;
}

void TaskReceiver::OnFrame(Connection* raw, rpc::TaskStreamFrame frame) {
  std::shared_ptr<Connection> conn = Find(raw);
  if (!conn) return;
  if (!conn->authenticated) {
    if (!token_.empty() && !rpc::TokensEqual(frame.token(), token_)) {
      PHOTON_LOG(WARNING) << "refused a task stream from " << conn->stream->peer() << ": wrong cluster token";
      conn->stream->Close(absl::UnauthenticatedError("wrong cluster token"));
      return;
    }
    conn->authenticated = true;
  }
  if (frame.cancel_size() > 0) Cancel(conn, frame);
  if (frame.push_size() == 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (rpc::TaskSpec& spec : *frame.mutable_push()) queue_.push_back(Queued{std::move(spec), conn});
  }
  ready_.notify_one();
}

void TaskReceiver::Cancel(const std::shared_ptr<Connection>& conn, const rpc::TaskStreamFrame& frame) {
  std::vector<Queued> dropped;
  bool kill_running = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& id : frame.cancel()) {
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->spec.task_id() == id) {
          dropped.push_back(std::move(*it));
          queue_.erase(it);
          break;
        }
      }
      if (frame.force_cancel() && running_task_ == id) kill_running = true;
    }
  }
  for (Queued& q : dropped) {
    rpc::TaskReply reply;
    reply.set_task_id(q.spec.task_id());
    reply.set_attempt(q.spec.attempt());
    reply.set_outcome(rpc::TaskReply::CANCELLED);
    reply.set_error_message("task cancelled before it ran");
    Reply(q.from, std::move(reply));
  }
  if (kill_running) {
    PHOTON_LOG(WARNING) << "force-cancel of the running task: this worker exits";
    _exit(1);
  }
}

void TaskReceiver::Reply(const std::shared_ptr<Connection>& conn, rpc::TaskReply reply) {
  bool first = false;
  {
    std::lock_guard<std::mutex> lock(conn->mu);
    if (conn->closed) return;
    first = conn->outbox.empty();
    conn->outbox.push_back(std::move(reply));
  }
  if (first) loop_.Post("TaskReceiver.Flush", [this, conn] { Flush(conn); });
}

void TaskReceiver::Flush(const std::shared_ptr<Connection>& conn) {
  rpc::TaskStreamFrame frame;
  {
    std::lock_guard<std::mutex> lock(conn->mu);
    for (rpc::TaskReply& r : conn->outbox) *frame.add_replies() = std::move(r);
    conn->outbox.clear();
  }
  if (frame.replies_size() > 0) conn->stream->Send(frame);
}

void TaskReceiver::RunExecutionLoop() {
  while (true) {
    Queued next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (queue_.empty() && !stopped_) {
        // Poll briefly first: the next push usually follows the last reply.
        const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
        while (queue_.empty() && !stopped_ && std::chrono::steady_clock::now() < spin_until) {
          lock.unlock();
          lock.lock();
        }
      }
      ready_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      if (stopped_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
      running_task_ = next.spec.task_id();
    }
    bool closed;
    {
      std::lock_guard<std::mutex> lock(next.from->mu);
      closed = next.from->closed;
    }
    if (!closed) {
      rpc::TaskReply reply = execute_(next.spec);
      Reply(next.from, std::move(reply));
    }
    std::lock_guard<std::mutex> lock(mu_);
    running_task_.clear();
  }
}

void TaskReceiver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  ready_.notify_all();
}

}  // namespace core
}  // namespace photon
