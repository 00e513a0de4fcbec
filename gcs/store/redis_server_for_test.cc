#include "gcs/store/redis_server_for_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hiredis/hiredis.h"

namespace photon {
namespace gcs {
namespace {

constexpr char kFallbackBinary[] = "/usr/bin/redis-server";
constexpr absl::Duration kStartTimeout = absl::Seconds(10);
constexpr absl::Duration kStopGrace = absl::Seconds(5);
constexpr int kLaunchAttempts = 3;

absl::StatusOr<std::string> FindRedisServer() {
  const char* path = getenv("PATH");
  if (path != nullptr) {
    for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      std::string candidate = absl::StrCat(dir, "/redis-server");
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
  }
  if (access(kFallbackBinary, X_OK) == 0) return std::string(kFallbackBinary);
  return absl::NotFoundError(absl::StrCat("redis-server not found on PATH or at ", kFallbackBinary,
                                          " (install the redis-server package)"));
}

absl::StatusOr<std::string> MakeTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp", "/photon-redis-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", strerror(errno)));
  }
  return pattern;
}

// A loopback port that was free a moment ago: bind port 0, read what the
// kernel chose, release it. Another process may take it before redis-server
// binds; Start() retries when that happens.
absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::string error = strerror(errno);
    close(fd);
    return absl::InternalError(absl::StrCat("picking a free port: ", error));
  }
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

void WaitForChild(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisServerForTest>> RedisServerForTest::Start() {
  absl::StatusOr<std::string> binary = FindRedisServer();
  if (!binary.ok()) return binary.status();
  absl::StatusOr<std::string> dir = MakeTempDir();
  if (!dir.ok()) return dir.status();
  std::unique_ptr<RedisServerForTest> server(
      new RedisServerForTest(std::move(*binary), std::move(*dir)));
  absl::Status status;
  for (int attempt = 0; attempt < kLaunchAttempts; ++attempt) {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    status = server->Launch();
    if (status.ok()) return server;
    // Only an early exit (most likely the port was taken meanwhile) is worth
    // another port; a server that hangs would hang again.
    if (!absl::IsUnavailable(status)) break;
  }
  return status;
}

RedisServerForTest::RedisServerForTest(std::string binary, std::string dir)
    : binary_(std::move(binary)), dir_(std::move(dir)) {}

RedisServerForTest::~RedisServerForTest() {
  Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServerForTest::address() const { return absl::StrCat("127.0.0.1:", port_); }

void RedisServerForTest::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  WaitForChild(pid_);
  pid_ = -1;
}

absl::Status RedisServerForTest::Restart() {
  Kill();
  return Launch();
}

void RedisServerForTest::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  absl::Time deadline = absl::Now() + kStopGrace;
  while (absl::Now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
}

absl::Status RedisServerForTest::Launch() {
  const std::string log_path = absl::StrCat(dir_, "/redis.log");
  std::vector<std::string> args = {
      binary_,
      "--save", "",  // No RDB snapshots.
      "--appendonly", "no",
      "--bind", "127.0.0.1",
      "--port", absl::StrCat(port_),
      "--dir", dir_,
  };
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("open ", log_path, ": ", strerror(errno)));
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    std::string error = strerror(errno);
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", error));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until execv.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // The test died before prctl took effect.
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // Do not let the server hold the test's sockets (e.g. a listening port a
    // test wants to rebind). Best effort: old kernels lack close_range.
    close_range(3, ~0U, 0);
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;
  return WaitUntilReady();
}

absl::Status RedisServerForTest::WaitUntilReady() {
  absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    int wait_status = 0;
    if (waitpid(pid_, &wait_status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("redis-server on port ", port_,
                                                 " exited during startup (wait status ",
                                                 wait_status, "); log tail:\n", LogTail()));
    }
    if (AnswersPing()) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
  return absl::DeadlineExceededError(
      absl::StrCat("redis-server on port ", port_, " did not answer PING within ",
                   absl::FormatDuration(kStartTimeout), "; log tail:\n", LogTail()));
}

bool RedisServerForTest::AnswersPing() const {
  const timeval timeout = absl::ToTimeval(absl::Milliseconds(200));
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (context == nullptr) return false;
  bool ours = false;
  if (context->err == 0 && redisSetTimeout(context, timeout) == REDIS_OK) {
    auto* pong = static_cast<redisReply*>(redisCommand(context, "PING"));
    if (pong != nullptr && pong->type == REDIS_REPLY_STATUS &&
        absl::string_view(pong->str, pong->len) == "PONG") {
      // Another server may own the port if ours failed to bind: check the pid.
      auto* info = static_cast<redisReply*>(redisCommand(context, "INFO server"));
      ours = info != nullptr && info->type == REDIS_REPLY_STRING &&
             absl::StrContains(absl::string_view(info->str, info->len),
                               absl::StrCat("\nprocess_id:", pid_, "\r\n"));
      if (info != nullptr) freeReplyObject(info);
    }
    if (pong != nullptr) freeReplyObject(pong);
  }
  redisFree(context);
  return ours;
}

std::string RedisServerForTest::LogTail() const {
  std::ifstream log(absl::StrCat(dir_, "/redis.log"));
  std::stringstream contents;
  contents << log.rdbuf();
  std::string text = contents.str();
  constexpr size_t kTail = 2000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

}  // namespace gcs
}  // namespace photon
