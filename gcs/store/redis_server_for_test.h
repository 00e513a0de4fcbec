#pragma once

// RedisServerForTest: a private, throwaway redis-server for tests.
//
// Start() runs `redis-server` (from PATH, else /usr/bin/redis-server) on a
// free loopback port with persistence off (--save "" --appendonly no) and its
// working directory in a fresh temp dir (under $TEST_TMPDIR when Bazel sets
// it), and returns once that very process answers PING. The destructor stops
// it (SIGTERM, then SIGKILL after a grace period) and removes the temp dir.
// The child also gets PR_SET_PDEATHSIG=SIGKILL, so a crashed or killed test
// never leaves a redis-server behind.
//
//   absl::StatusOr<std::unique_ptr<RedisServerForTest>> redis = RedisServerForTest::Start();
//   ASSERT_TRUE(redis.ok()) << redis.status();
//   auto store = MakeStoreClient("redis://" + (*redis)->address());
//   ...
//   (*redis)->Kill();               // Redis dies now: clients get Unavailable.
//   ASSERT_TRUE((*redis)->Restart().ok());  // Same port, but EMPTY: no persistence.
//
// Integration tests that restart the GCS keep this object alive across the
// restart: the data survives because Redis does, not because of any file.
//
// REQUIRES: Start() and Restart() run on a thread that outlives the server
// (the test's main thread): PR_SET_PDEATHSIG fires when the forking thread exits.
// Thread-compatible.

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace photon {
namespace gcs {

class RedisServerForTest {
 public:
  // Starts a server and waits (bounded) until it answers PING. Fails with
  // NotFound when there is no redis-server binary, DeadlineExceeded when it
  // does not answer in time, Unavailable when it exits during startup (the
  // message then carries the tail of its log).
  static absl::StatusOr<std::unique_ptr<RedisServerForTest>> Start();

  ~RedisServerForTest();
  RedisServerForTest(const RedisServerForTest&) = delete;
  RedisServerForTest& operator=(const RedisServerForTest&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT".
  std::string address() const;
  // Whether the server process is running (not killed, not exited).
  bool running() const { return pid_ > 0; }

  // SIGKILLs the server now and reaps it; no-op when not running. For tests
  // of what clients do when Redis disappears.
  void Kill();

  // Kills the server if it runs and starts a new one on the same port. The new
  // server starts EMPTY: persistence is off, so nothing written before survives.
  absl::Status Restart();

 private:
  RedisServerForTest(std::string binary, std::string dir);

  // Starts redis-server on port_ (core/common/process.h), then waits until it is ready.
  absl::Status Launch();
  absl::Status WaitUntilReady();
  // True when our own process (not another server on the port) answers.
  bool AnswersPing() const;
  // SIGTERM, a grace period, then SIGKILL; always reaps. No-op when not running.
  void Stop();
  std::string LogTail() const;

  const std::string binary_;
  const std::string dir_;  // Temp dir: redis --dir and redis.log. Removed at destruction.
  int port_ = 0;
  pid_t pid_ = -1;  // -1 when not running.
};

}  // namespace gcs
}  // namespace photon
