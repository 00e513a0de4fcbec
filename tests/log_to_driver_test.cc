// Worker output reaches the driver: on a real 2-node cluster, a task prints
// to stdout and stderr on the node the driver is not on, and the driver's own
// stdout (fd 1, redirected to a file here) gets each line prefixed with the
// worker's pid and node. With log_to_driver off it gets none of them.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/api/photon.h"
#include "core/rpc/addresses.h"
#include "gcs/client/gcs_client.h"
#include "gcs/client/gcs_subscriber.h"
#include "tests/cluster_fixture.h"
#include "tests/photon_driver.h"

namespace {

constexpr int kGetTimeoutMs = 60000;

// Prints `tag` on stdout and stderr; returns "<pid> <node id hex>".
std::string PrintTag(const std::string& tag) {
  std::printf("%s on stdout\n", tag.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "%s on stderr\n", tag.c_str());
  return absl::StrCat(getpid(), " ", photon::GetNodeId());
}

PHOTON_REMOTE(PrintTag);

// Sends this process's fd 1 to a file while it lives.
class StdoutToFile {
 public:
  explicit StdoutToFile(std::string path) : path_(std::move(path)) {
    std::fflush(stdout);
    saved_ = dup(STDOUT_FILENO);
    int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, STDOUT_FILENO);
    close(fd);
  }
  ~StdoutToFile() {
    std::fflush(stdout);
    dup2(saved_, STDOUT_FILENO);
    close(saved_);
  }
  std::string Text() const {
    std::ifstream in(path_);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

// Follows WORKER_LOGS on its own, as a witness that lines were published.
class LogWitness {
 public:
  explicit LogWitness(photon::testing::Cluster& cluster)
      : client_(photon::gcs::GcsClient::Options{cluster.gcs_address(), cluster.token(), {}}) {
    photon::gcs::GcsSubscriber::Callbacks callbacks;
    callbacks.on_snapshot = [this](const std::vector<photon::rpc::PubMessage>&) {
      absl::MutexLock lock(&mu_);
      subscribed_ = true;
    };
    callbacks.on_message = [this](const photon::rpc::PubMessage& m) {
      absl::MutexLock lock(&mu_);
      for (const std::string& line : m.worker_logs().lines()) lines_ += line + "\n";
    };
    subscriber_ = std::make_unique<photon::gcs::GcsSubscriber>(
        client_, std::vector<photon::rpc::Channel>{photon::rpc::WORKER_LOGS}, callbacks);
    subscriber_->Start();
  }
  ~LogWitness() { subscriber_->Stop(); }

  bool WaitSubscribed() {
    return WaitUntil([this] { return subscribed_; });
  }
  bool WaitFor(const std::string& text) {
    return WaitUntil([this, &text] { return lines_.find(text) != std::string::npos; });
  }

 private:
  // Checks `done` under the mutex until it holds or 30 s passed.
  bool WaitUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (done()) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  photon::gcs::GcsClient client_;
  std::unique_ptr<photon::gcs::GcsSubscriber> subscriber_;
  absl::Mutex mu_;
  bool subscribed_ = false;
  std::string lines_;
};

class LogToDriverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    photon::testing::Cluster::Options options;
    options.num_nodes = 2;
    options.cpus_per_node = 1;
    auto cluster = photon::testing::Cluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = cluster->release();
    photon::testing::InitDriver(*cluster_);  // log_to_driver is on by default
  }
  static void TearDownTestSuite() {
    photon::Shutdown();
    delete cluster_;
  }

  static std::string CapturePath(const std::string& name) {
    const char* tmp = std::getenv("TEST_TMPDIR");
    return absl::StrCat(tmp ? tmp : "/tmp", "/", name, "-", getpid(), ".out");
  }
  static std::string UniqueTag(const std::string& what) {
    return absl::StrCat(what, "-", getpid(), "-", std::chrono::steady_clock::now().time_since_epoch().count());
  }
  // Runs PrintTag on node 1 (not the driver's); returns the prefix its lines get.
  static std::string RunPrintTagOnNode1(const std::string& tag) {
    const std::string where = photon::Get(photon::Task(PrintTag)
                                              .SetSchedulingStrategy(photon::SchedulingStrategy::NodeAffinity(
                                                  cluster_->node_ids()[1].Hex()))
                                              .Remote(tag),
                                          kGetTimeoutMs);
    const size_t space = where.find(' ');
    EXPECT_EQ(where.substr(space + 1), cluster_->node_ids()[1].Hex());
    return absl::StrCat("(pid=", where.substr(0, space), ", node=", where.substr(space + 1, 4), ") ");
  }

  static photon::testing::Cluster* cluster_;
};

photon::testing::Cluster* LogToDriverTest::cluster_ = nullptr;

TEST_F(LogToDriverTest, WorkerOutputReachesTheDriverWithPidAndNode) {
  const std::string tag = UniqueTag("hello-from-a-task");
  std::string prefix;
  std::string text;
  {
    StdoutToFile capture(CapturePath("driver-stdout"));
    prefix = RunPrintTagOnNode1(tag);
    const std::string out_line = prefix + tag + " on stdout\n";
    const std::string err_line = prefix + tag + " on stderr\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      text = capture.Text();
      if (text.find(out_line) != std::string::npos && text.find(err_line) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  EXPECT_NE(text.find(prefix + tag + " on stdout\n"), std::string::npos) << "driver stdout:\n" << text;
  EXPECT_NE(text.find(prefix + tag + " on stderr\n"), std::string::npos) << "driver stdout:\n" << text;
  // Each line whole, each once.
  EXPECT_EQ(text.find(tag + " on stdout"), text.rfind(tag + " on stdout")) << text;
}

TEST_F(LogToDriverTest, NothingIsPrintedWithLogToDriverOff) {
  photon::Shutdown();
  auto info = cluster_->NodeInfo(0);
  ASSERT_TRUE(info.ok()) << info.status();
  photon::Config config;
  config.address = cluster_->gcs_address();
  config.token = cluster_->token();
  config.raylet_address = photon::rpc::RayletAddress(*info);
  config.log_to_driver = false;
  photon::Init(config);

  LogWitness witness(*cluster_);
  ASSERT_TRUE(witness.WaitSubscribed());
  const std::string tag = UniqueTag("not-for-this-driver");
  std::string text;
  bool published = false;
  {
    StdoutToFile capture(CapturePath("quiet-driver-stdout"));
    RunPrintTagOnNode1(tag);
    // Once the GCS has published the line, a following driver would print it.
    published = witness.WaitFor(tag + " on stdout") && witness.WaitFor(tag + " on stderr");
    text = capture.Text();
  }
  EXPECT_TRUE(published) << "the worker's lines never reached the GCS";
  EXPECT_EQ(text.find(tag), std::string::npos) << "driver stdout:\n" << text;

  photon::Shutdown();
  photon::testing::InitDriver(*cluster_);
}

}  // namespace
