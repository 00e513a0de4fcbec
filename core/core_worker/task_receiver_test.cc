#include "core/core_worker/task_receiver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/common/event_loop.h"
#include "core/rpc/task_stream.h"

namespace photon {
namespace core {
namespace {

rpc::TaskSpec Spec(const std::string& id, const std::string& function) {
  rpc::TaskSpec spec;
  spec.set_task_id(id);
  spec.set_function_name(function);
  return spec;
}

// A receiver on loopback whose tasks answer with their function name; a
// task named "block" waits until Release().
class TaskReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    receiver_ = std::make_unique<TaskReceiver>("secret");
    auto port = receiver_->Listen("127.0.0.1");
    ASSERT_TRUE(port.ok()) << port.status();
    port_ = *port;
    auto execute = [this](const rpc::TaskSpec& spec) {
      if (spec.function_name() == "block") {
        std::unique_lock<std::mutex> lock(mu_);
        blocked_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
      }
      rpc::TaskReply reply;
      reply.set_task_id(spec.task_id());
      reply.set_error_message(spec.function_name());
      return reply;
    };
    exec_ = std::thread([this, execute] {
      receiver_->RunExecutionLoop(execute, [this](int64_t lease) { done_lease_ = lease; });
    });
    loop_.StartThread("test-loop");
  }
  void TearDown() override {
    Release();
    if (stream_) {
      std::promise<void> closed;
      loop_.Post("test.Close", [&] {
        stream_->Close(absl::CancelledError("test over"));
        closed.set_value();
      });
      closed.get_future().wait();
    }
    receiver_->Stop();
    exec_.join();
    loop_.Stop();
  }

  // Connects and starts reading; replies and the close reason are recorded.
  void Connect() {
    std::promise<void> ready;
    loop_.Post("test.Connect", [&] {
      rpc::Address worker;
      worker.set_ip("127.0.0.1");
      worker.set_port(port_);
      rpc::TaskStream::Connect(loop_, worker, [&](auto s) {
        ASSERT_TRUE(s.ok()) << s.status();
        stream_ = *s;
        stream_->Start(
            [this](rpc::TaskStreamFrame f) {
              std::lock_guard<std::mutex> lock(mu_);
              for (const auto& r : f.replies()) replies_.push_back(r);
              cv_.notify_all();
            },
            [this](const absl::Status& why) {
              std::lock_guard<std::mutex> lock(mu_);
              closed_ = std::string(why.message());
              cv_.notify_all();
            });
        ready.set_value();
      });
    });
    ready.get_future().wait();
  }
  void Send(const rpc::TaskStreamFrame& frame) {
    loop_.Post("test.Send", [this, frame] { stream_->Send(frame); });
  }
  bool WaitFor(const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), done);
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  EventLoop loop_;
  std::unique_ptr<TaskReceiver> receiver_;
  std::thread exec_;
  int port_ = 0;
  std::shared_ptr<rpc::TaskStream> stream_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<rpc::TaskReply> replies_;
  std::string closed_;
  bool blocked_ = false;
  bool released_ = false;
  std::atomic<int64_t> done_lease_{0};
};

TEST_F(TaskReceiverTest, RunsPushedTasksInOrderAndRepliesOnTheStream) {
  Connect();
  rpc::TaskStreamFrame hello;
  hello.set_token("secret");
  hello.set_lease_id(42);
  Send(hello);
  rpc::TaskStreamFrame push;
  for (const char* name : {"a", "b", "c"}) *push.add_push() = Spec(std::string("id-") + name, name);
  Send(push);
  ASSERT_TRUE(WaitFor([this] { return replies_.size() == 3; }));
  EXPECT_EQ(replies_[0].error_message(), "a");
  EXPECT_EQ(replies_[1].error_message(), "b");
  EXPECT_EQ(replies_[2].error_message(), "c");
  // Closing the stream ends the lease on the worker's side too.
  loop_.Post("test.Close", [this] { stream_->Close(absl::CancelledError("done")); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (done_lease_ == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(done_lease_, 42);
}

TEST_F(TaskReceiverTest, WrongTokenIsRefused) {
  Connect();
  rpc::TaskStreamFrame hello;
  hello.set_token("guess");
  *hello.add_push() = Spec("id-x", "x");
  Send(hello);
  ASSERT_TRUE(WaitFor([this] { return !closed_.empty(); }));
  EXPECT_TRUE(replies_.empty());
}

TEST_F(TaskReceiverTest, CancelDropsAQueuedTask) {
  Connect();
  rpc::TaskStreamFrame first;
  first.set_token("secret");
  *first.add_push() = Spec("id-1", "block");
  Send(first);
  ASSERT_TRUE(WaitFor([this] { return blocked_; }));
  // While id-1 runs, two more arrive and one of them is cancelled in the
  // same frame: the receiver applies a frame whole, so id-2 is still queued.
  rpc::TaskStreamFrame more;
  *more.add_push() = Spec("id-2", "never");
  *more.add_push() = Spec("id-3", "after");
  more.add_cancel("id-2");
  Send(more);
  Release();
  ASSERT_TRUE(WaitFor([this] { return replies_.size() == 3; }));
  std::map<std::string, rpc::TaskReply> by_id;
  for (const auto& r : replies_) by_id[r.task_id()] = r;
  EXPECT_EQ(by_id["id-1"].error_message(), "block");
  EXPECT_EQ(by_id["id-2"].outcome(), rpc::TaskReply::CANCELLED);
  EXPECT_EQ(by_id["id-3"].error_message(), "after");
}

}  // namespace
}  // namespace core
}  // namespace photon
