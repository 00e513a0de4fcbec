#pragma once
// TaskReceiver: the worker's side of task streams. Accepts connections from
// submitters holding a lease on this worker, checks the cluster token in the
// first frame, queues pushed tasks, runs them one at a time on the thread
// that calls RunExecutionLoop, and sends replies back on the stream the task
// came from, batched: replies finished while a write is in flight share one
// frame.
//
//   TaskReceiver receiver(loop, token, [&](const rpc::TaskSpec& spec) { return Execute(spec); });
//   ASSIGN_OR_RETURN(int port, receiver.Listen("0.0.0.0"));
//   receiver.RunExecutionLoop();   // until Stop
//
// Cancel: a queued task is dropped and answered CANCELLED; a running task is
// only stopped with force, by ending the worker process (C++ code cannot be
// interrupted safely). Tasks from a stream that closed are dropped unrun.
//
// Accepting and streams live on `loop`; the queue is shared with the
// execution thread under a mutex.
#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/core_worker/task_stream.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace core {

class TaskReceiver {
 public:
  // Runs a task on the execution thread and returns its reply.
  using Execute = std::function<rpc::TaskReply(const rpc::TaskSpec&)>;

  TaskReceiver(EventLoop& loop, std::string token, Execute execute);
  ~TaskReceiver();

  // Listens on HOST:0; returns the port.
  absl::StatusOr<int> Listen(const std::string& host);
  // Runs queued tasks on the calling thread until Stop.
  void RunExecutionLoop();
  void Stop();

 private:
  struct Connection {
    std::shared_ptr<TaskStream> stream;
    bool authenticated = false;
    std::mutex mu;
    std::vector<rpc::TaskReply> outbox;  // guarded by mu
    bool closed = false;                 // guarded by mu
  };
  struct Queued {
    rpc::TaskSpec spec;
    std::shared_ptr<Connection> from;
  };

  void Accept();
  std::shared_ptr<Connection> Find(Connection* raw) const;
  void OnFrame(Connection* raw, rpc::TaskStreamFrame frame);
  void Cancel(const std::shared_ptr<Connection>& conn, const rpc::TaskStreamFrame& frame);
  void Reply(const std::shared_ptr<Connection>& conn, rpc::TaskReply reply);
  void Flush(const std::shared_ptr<Connection>& conn);

  EventLoop& loop_;
  const std::string token_;
  const Execute execute_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  // Open streams (loop only); a few per worker, so a vector scan is fine.
  std::vector<std::shared_ptr<Connection>> connections_;

  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<Queued> queue_;             // guarded by mu_
  std::string running_task_;             // guarded by mu_
  bool stopped_ = false;                 // guarded by mu_
};

}  // namespace core
}  // namespace photon
