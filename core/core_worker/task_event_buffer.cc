#include "core/core_worker/task_event_buffer.h"

#include "core/common/logging.h"

namespace photon {
namespace core {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TaskEventBuffer::TaskEventBuffer(gcs::GcsClient& gcs, std::chrono::milliseconds period, size_t batch,
                                 size_t max_buffered)
    : gcs_(gcs), period_(period), batch_(batch), max_buffered_(max_buffered) {}

TaskEventBuffer::~TaskEventBuffer() { Stop(); }

void TaskEventBuffer::Start() { thread_ = std::thread([this] { Run(); }); }

void TaskEventBuffer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TaskEventBuffer::Record(rpc::TaskEvent event) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (events_.size() >= max_buffered_) {
      if (dropped_++ % 10000 == 0) {
        PHOTON_LOG(WARNING) << "task events: " << events_.size() << " waiting for the GCS; dropping new ones";
      }
      return;
    }
    events_.push_back(std::move(event));
    wake = events_.size() == batch_;
  }
  if (wake) wake_.notify_one();
}

void TaskEventBuffer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait_for(lock, period_, [this] { return stopping_ || events_.size() >= batch_; });
    const bool last = stopping_;
    std::vector<rpc::TaskEvent> out;
    out.swap(events_);
    lock.unlock();
    if (!out.empty()) {
      absl::Status s = gcs_.AddTaskEvents(out);
      if (!s.ok()) PHOTON_LOG(WARNING) << "could not send " << out.size() << " task events to the GCS: " << s;
      lock.lock();
      if (s.ok()) sent_ += static_cast<int64_t>(out.size());
      else dropped_ += static_cast<int64_t>(out.size());
    } else {
      lock.lock();
    }
    if (last) return;
  }
}

int64_t TaskEventBuffer::sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

int64_t TaskEventBuffer::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace core
}  // namespace photon
