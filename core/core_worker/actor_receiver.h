#pragma once
// ActorReceiver: an actor's worker serving its callers.
//
// Once a worker's constructor call succeeds, TaskReceiver hands its
// listening socket and the creator's stream over to an ActorReceiver, which
// never goes back: the process is that actor until it dies. Unlike a task
// worker it accepts any number of streams at once (every process that calls
// the actor opens one; the first frame of each must carry the cluster
// token) and keeps them open.
//
// Ordering: with max_concurrency 1, calls run one at a time on the
// execution thread in the order each stream delivered them, so calls from
// one caller run in the order that caller submitted them. With
// max_concurrency N > 1, calls go to N threads and may run in any order;
// each reply is written as its call finishes. An async actor's coroutine
// calls (TaskReceiver::AsyncCalls) start on its language's event loop from
// the reading thread, in the order they arrived, and reply as they end;
// a call with arguments to fetch waits for them on one of a few threads
// first, and its other methods run on those threads.
//
// Cancel: a call not started yet is answered CANCELLED unrun; one running
// on the event loop is cancelled there (its reply says so); a running
// call on a thread goes on.
//
//   ActorReceiver actor(token, execute, /*max_concurrency=*/1, async_calls);
//   actor.Run(listen_fd, creator_fd);   // until Stop
//
// Run on one thread; Stop from any.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/core_worker/task_receiver.h"

namespace photon {
namespace core {

class ActorReceiver {
 public:
  ActorReceiver(std::string token, TaskReceiver::Execute execute, int max_concurrency,
                TaskReceiver::AsyncCalls async = {});
  ~ActorReceiver();

  // Serves the already-accepted `first_fd` and every stream `listen_fd`
  // accepts, until Stop. Closes the streams (not `listen_fd`) on return.
  void Run(int listen_fd, int first_fd);
  void Stop() { stopped_ = true; }

 private:
  struct Stream {
    int fd = -1;
    bool authenticated = false;
    std::string inbox;
    std::mutex send_mu;  // replies from several threads
    bool broken = false;  // guarded by send_mu
  };
  struct Call {
    std::shared_ptr<Stream> stream;
    rpc::TaskSpec spec;
  };

  // Reads what `stream` has; starts or queues its calls and applies its
  // cancels. False when it closed.
  bool ReadFrom(const std::shared_ptr<Stream>& stream);
  // Decodes the frames in the stream's inbox; false when one is bad.
  bool ApplyInbox(const std::shared_ptr<Stream>& stream);
  void Dispatch(const std::shared_ptr<Stream>& stream, rpc::TaskSpec spec);
  void Cancel(const std::shared_ptr<Stream>& stream, const std::string& task_id);
  // max_concurrency 1: runs the queued calls in order, reading what the
  // streams sent meanwhile (cancels among it) between calls.
  void RunSerial(std::vector<std::shared_ptr<Stream>>& streams);
  static void Reply(const std::shared_ptr<Stream>& stream, rpc::TaskStreamFrame& frame);
  static TaskReceiver::AsyncCalls::Done ReplyTo(const std::shared_ptr<Stream>& stream);
  static void ReplyCancelled(const std::shared_ptr<Stream>& stream, const rpc::TaskSpec& spec);
  void PoolThread();

  // Threads of an async actor (at most; not more than its max_concurrency).
  static constexpr int kAsyncActorThreads = 16;

  const std::string token_;
  const TaskReceiver::Execute execute_;
  const int max_concurrency_;
  const TaskReceiver::AsyncCalls async_;
  const bool async_enabled_;
  std::atomic<bool> stopped_{false};
  std::deque<Call> serial_queue_;  // max_concurrency 1 (reading thread only)

  std::mutex pool_mu_;
  std::condition_variable pool_wake_;
  std::deque<Call> pool_queue_;  // guarded by pool_mu_
  std::vector<std::thread> pool_;
};

}  // namespace core
}  // namespace photon
