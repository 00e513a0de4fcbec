#pragma once
// TaskReceiver: the worker's side of task streams (the submitter's is
// core/rpc/task_stream.h; the frame format is core/rpc/task_frame.h).
//
// A leased worker serves one submitter at a time: the execution thread
// (RunExecutionLoop) accepts the submitter's TCP connection, checks the
// cluster token in its first frame, then reads pushed tasks and runs them
// itself, writing replies straight back: no other thread sits between the
// socket and the task, which keeps a synchronous task to a few wakeups.
// Replies of tasks that arrived together are sent together. When the
// stream closes (the lease was returned, or the submitter died), tasks not
// started are dropped, `on_lease_done` tells the raylet the lease is over
// (a no-op when the submitter already returned it), and the next
// submitter is accepted.
//
// A constructor call (spec.actor_creation) that succeeds turns the worker
// into that actor: the stream and the listening socket go to an
// ActorReceiver for the rest of the process's life, and the lease stays
// with whoever created the actor (the GCS).
//
// Cancel: a queued task is answered CANCELLED unrun. A running task cannot
// be interrupted here; the submitter force-cancels it by asking the raylet
// to end this worker.
//
//   TaskReceiver receiver(token);
//   ASSIGN_OR_RETURN(int port, receiver.Listen("0.0.0.0"));   // the raylet hands out this port
//   receiver.RunExecutionLoop([&](const rpc::TaskSpec& s) { return Execute(s); },
//                             [&](int64_t lease) { ReturnLease(lease); });   // until Stop
//
// Listen and RunExecutionLoop from one thread; Stop from any.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proto/core_worker.pb.h"

namespace photon {
namespace core {

class ActorReceiver;

class TaskReceiver {
 public:
  // Runs a task and returns its reply.
  using Execute = std::function<rpc::TaskReply(const rpc::TaskSpec&)>;
  using LeaseDone = std::function<void(int64_t lease_id)>;
  // An async actor's calls on its language's event loop (TaskExecutor's
  // TryExecuteAsync and CancelAsync); `enabled` is asked once the actor is
  // constructed; `batch(fn)` runs fn, which starts several calls (the
  // language may hold its lock for all of them).
  struct AsyncCalls {
    std::function<bool()> enabled;
    std::function<void(const std::function<void()>&)> batch;
    using Done = std::function<void(rpc::TaskReply)>;
    // Starts a call without waiting (false, `done` left: not that way).
    std::function<bool(std::shared_ptr<const rpc::TaskSpec>, Done&)> start;
    // Runs a call any way it can (blocking), `done` told in the end.
    std::function<void(std::shared_ptr<const rpc::TaskSpec>, Done)> run;
    std::function<bool(const std::string& task_id)> cancel;
  };

  explicit TaskReceiver(std::string token);
  ~TaskReceiver();

  // Listens on HOST:0; returns the port.
  absl::StatusOr<int> Listen(const std::string& host);
  // Accepts submitters and runs their tasks with `execute` until Stop;
  // `on_lease_done` is told of each lease whose stream ended.
  // REQUIRES: called once.
  void RunExecutionLoop(Execute execute, LeaseDone on_lease_done, AsyncCalls async = {});
  void Stop();

 private:
  void Serve(int fd);
  // Reads what the socket has (waiting for at least one frame when `block`)
  // and applies it: pushes join `queue_`, cancels are answered. False when
  // the stream ended or broke.
  bool ReadFrames(int fd, bool block);
  bool Flush(int fd);
  void Apply(rpc::TaskStreamFrame frame);
  // After a successful constructor call: this worker is that actor now.
  void BecomeActor(int fd, int max_concurrency);

  const std::string token_;
  // Set by RunExecutionLoop (execution thread only).
  Execute execute_;
  LeaseDone on_lease_done_;
  AsyncCalls async_;
  std::atomic<int> listen_fd_{-1};
  std::atomic<int> conn_fd_{-1};
  std::atomic<bool> stopped_{false};
  std::atomic<ActorReceiver*> actor_{nullptr};

  // Per connection (execution thread only).
  bool authenticated_ = false;
  int64_t lease_id_ = 0;
  std::string inbox_;
  size_t inbox_start_ = 0;
  std::deque<rpc::TaskSpec> queue_;
  rpc::TaskStreamFrame replies_;
};

}  // namespace core
}  // namespace photon
