#pragma once

// ThreadPool: a few worker threads for blocking work (disk I/O) that must not
// run on a daemon's loop.
//
//   ThreadPool pool("spill", 2);
//   pool.Submit([] { WriteFile(...); });
//   pool.Shutdown();   // runs what was submitted, then joins
//
// Thread-safe.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace photon {

class ThreadPool {
 public:
  ThreadPool(const std::string& name, int num_threads);
  ~ThreadPool();

  void Submit(std::function<void()> work);
  // Finishes the queued work and joins the threads; later Submits are dropped.
  void Shutdown();

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace photon
