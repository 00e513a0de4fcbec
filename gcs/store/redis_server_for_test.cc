#include "gcs/store/redis_server_for_test.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
#include "core/common/free_port.h"
#include "core/common/process.h"
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
    // Another process may take the port before redis-server binds it.
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
  WaitForExit(pid_);
  pid_ = -1;
}

absl::Status RedisServerForTest::Restart() {
  Kill();
  return Launch();
}

void RedisServerForTest::Stop() {
  if (pid_ <= 0) return;
  TerminateAll({pid_}, absl::ToChronoMilliseconds(kStopGrace));
  pid_ = -1;
}

absl::Status RedisServerForTest::Launch() {
  SpawnOptions options;
  options.argv = {
      binary_,
      "--save", "",  // No RDB snapshots.
      "--appendonly", "no",
      "--bind", "127.0.0.1",
      "--port", absl::StrCat(port_),
      "--dir", dir_,
  };
  options.log_path = absl::StrCat(dir_, "/redis.log");
  options.truncate_log = true;
  // A killed test never leaves a server behind; Spawn also keeps the test's
  // sockets (a listening port a test wants to rebind) out of the server.
  options.die_with_parent = true;
  absl::StatusOr<pid_t> pid = Spawn(options);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return WaitUntilReady();
}

absl::Status RedisServerForTest::WaitUntilReady() {
  absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    if (std::optional<ExitStatus> exited = ReapIfExited(pid_)) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("redis-server on port ", port_, " exited during startup (",
                                                 exited->ToString(), "); log tail:\n", LogTail()));
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
