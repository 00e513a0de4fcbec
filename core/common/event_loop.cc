#include "core/common/event_loop.h"

#include <pthread.h>

#include <boost/asio/post.hpp>
#include <algorithm>
#include <map>
#include <sstream>

namespace photon {

using Clock = std::chrono::steady_clock;

EventLoop::EventLoop()
    : work_(std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
          io_.get_executor())) {}

bool LoopGate::Post(const char* name, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (loop_ == nullptr) return false;
  loop_->Post(name, std::move(fn));
  return true;
}

void LoopGate::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  loop_ = nullptr;
}

EventLoop::~EventLoop() {
  gate_->Close();  // waits for a Post in progress on another thread
  Stop();
  // Timers must die before the io_context they belong to.
  timers_.clear();
}

void EventLoop::Record(const char* name, Clock::time_point posted) {
  HandlerStats& s = stats_[name];
  Duration lag = Clock::now() - posted;
  s.count++;
  s.total_lag += lag;
  if (lag > s.max_lag) s.max_lag = lag;
}

void EventLoop::Post(const char* name, std::function<void()> fn) {
  Clock::time_point posted = Clock::now();
  boost::asio::post(io_, [this, name, posted, fn = std::move(fn)] {
    Record(name, posted);
    fn();
  });
}

void EventLoop::RunAfter(const char* name, Duration delay, std::function<void()> fn) {
  Post(name, [this, name, delay, fn = std::move(fn)]() mutable {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_, delay));
    auto it = std::prev(timers_.end());
    (*it)->async_wait([this, it, name, fn = std::move(fn)](const boost::system::error_code& ec) {
      std::unique_ptr<boost::asio::steady_timer> done = std::move(*it);
      timers_.erase(it);
      if (ec) return;  // cancelled: the loop is stopping
      Record(name, Clock::now());
      fn();
    });
  });
}

void EventLoop::ArmPeriodic(boost::asio::steady_timer* timer, const char* name, Duration period,
                            std::function<void()> fn) {
  timer->expires_after(period);
  timer->async_wait([this, timer, name, period, fn = std::move(fn)](
                        const boost::system::error_code& ec) mutable {
    if (ec) return;
    Record(name, Clock::now());
    fn();
    ArmPeriodic(timer, name, period, std::move(fn));
  });
}

void EventLoop::RunEvery(const char* name, Duration period, std::function<void()> fn) {
  Post(name, [this, name, period, fn = std::move(fn)]() mutable {
    timers_.push_back(std::make_unique<boost::asio::steady_timer>(io_));
    ArmPeriodic(timers_.back().get(), name, period, std::move(fn));
  });
}

void EventLoop::Run() {
  loop_thread_id_ = std::this_thread::get_id();
  if (spin_.count() == 0) {
    io_.run();
    return;
  }
  Clock::time_point last_work = Clock::now();
  while (!io_.stopped()) {
    if (io_.poll() > 0) {
      last_work = Clock::now();
      continue;
    }
    if (Clock::now() - last_work < spin_) continue;
    io_.run_one();  // sleeps until the next handler
    last_work = Clock::now();
  }
}

void EventLoop::StartThread(const std::string& thread_name) {
  thread_ = std::thread([this, thread_name] {
    pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
    Run();
  });
}

void EventLoop::Stop() {
  work_.reset();
  io_.stop();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

std::string EventLoop::StatsString() const {
  // Sorted by name; literals with equal text in different files merge.
  std::map<std::string, HandlerStats> by_name;
  for (const auto& [name, s] : stats_) {
    HandlerStats& m = by_name[name];
    m.count += s.count;
    m.total_lag += s.total_lag;
    m.max_lag = std::max(m.max_lag, s.max_lag);
  }
  std::ostringstream out;
  for (const auto& [name, s] : by_name) {
    auto us = [](Duration d) {
      return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    };
    out << name << ": count=" << s.count << " mean_lag_us=" << (s.count ? us(s.total_lag) / s.count : 0)
        << " max_lag_us=" << us(s.max_lag) << "\n";
  }
  return out.str();
}

}  // namespace photon
