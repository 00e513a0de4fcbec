#pragma once

// EventLoop: the one Boost.Asio io_context that owns a daemon's state.
//
// Everything a daemon knows lives on its loop; other threads (gRPC's) only
// Post named handlers to it, so state needs no locks. Each posted handler has
// a name, and the loop keeps per-name counts and queueing lag, so a slow or
// flooded handler shows up in StatsString().
//
//   EventLoop loop;
//   loop.Post("NodeInfo.RegisterNode", [&] { node_manager.Register(...); });
//   loop.RunEvery("HealthCheck.Tick", std::chrono::milliseconds(1000), [&] { ... });
//   std::thread t([&] { loop.Run(); });
//   ...
//   loop.Stop();
//   t.join();
//
// Post, RunAfter and Stop are thread-safe; timers created with RunEvery and
// RunAfter run on the loop. Handlers still queued when the loop stops never run.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <unordered_map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace photon {

class EventLoop;

// A way for threads that may outlive a loop (gRPC completion threads) to post
// to it: once the loop is destroyed, Post drops the handler instead.
class LoopGate {
 public:
  explicit LoopGate(EventLoop* loop) : loop_(loop) {}
  // False when the loop is gone (`fn` is dropped).
  bool Post(const char* name, std::function<void()> fn);
  void Close();

 private:
  std::mutex mu_;
  EventLoop* loop_;
};

class EventLoop {
 public:
  using Duration = std::chrono::steady_clock::duration;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs `fn` on the loop soon. `name` must outlive the loop (a string literal).
  void Post(const char* name, std::function<void()> fn);

  // Runs `fn` on the loop after `delay`.
  void RunAfter(const char* name, Duration delay, std::function<void()> fn);

  // Runs `fn` on the loop every `period`, first after one period, until Stop.
  void RunEvery(const char* name, Duration period, std::function<void()> fn);

  // Blocks the calling thread running handlers until Stop.
  void Run();
  // After the last handler, keep polling for `spin` before sleeping in the
  // kernel: a request that arrives meanwhile is served without a wakeup
  // (~5-10 us saved per round trip), at the cost of that much CPU after each
  // burst of work. For latency-critical loops (the object store). Call
  // before Run/StartThread.
  void SetSpinBeforeSleep(std::chrono::microseconds spin) { spin_ = spin; }
  // Runs the loop on a thread of its own (joined by Stop or the destructor).
  void StartThread(const std::string& thread_name);
  void Stop();

  // True when called from the thread running the loop.
  bool InLoopThread() const { return std::this_thread::get_id() == loop_thread_id_; }

  // One line per handler name: count, mean and max lag between Post and run.
  // REQUIRES: called on the loop.
  std::string StatsString() const;

  boost::asio::io_context& io_context() { return io_; }
  // Shared with whoever must post after this loop may be gone.
  const std::shared_ptr<LoopGate>& gate() const { return gate_; }

 private:
  struct HandlerStats {
    uint64_t count = 0;
    Duration total_lag{0};
    Duration max_lag{0};
  };
  void Record(const char* name, std::chrono::steady_clock::time_point posted);
  void ArmPeriodic(boost::asio::steady_timer* timer, const char* name, Duration period,
                   std::function<void()> fn);

  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::list<std::unique_ptr<boost::asio::steady_timer>> timers_;  // loop only
  // Keyed by the name literal's address: recording allocates nothing.
  std::unordered_map<const char*, HandlerStats> stats_;  // loop only
  std::thread thread_;
  std::thread::id loop_thread_id_;
  std::chrono::microseconds spin_{0};
  std::shared_ptr<LoopGate> gate_ = std::make_shared<LoopGate>(this);
};

}  // namespace photon
