#pragma once

// RedisStoreClient: a StoreClient whose tables live in Redis, so a GCS that is
// killed (even with SIGKILL) and started again finds every table where it was.
//
// Each table is one Redis hash named "<prefix>:<table>"; keys and values are
// binary-safe (they may hold '\0', ':' or any byte). Calls are synchronous
// (hiredis blocking API): every method sends one command and waits for its
// reply, bounded by Options::command_timeout.
//
//   absl::StatusOr<std::unique_ptr<RedisStoreClient>> store =
//       RedisStoreClient::Connect("127.0.0.1", 6379, {});
//   if (!store.ok()) return store.status();  // "redis 127.0.0.1:6379 unreachable: ..."
//   absl::StatusOr<bool> added = (*store)->Put("nodes", node_id, node_info);
//
// Failures:
//   - Redis unreachable, connection lost, or no reply in time: Unavailable,
//     with the address and the reason ("redis 127.0.0.1:6390 unreachable:
//     Connection refused").
//   - Redis answered with an error (e.g. HINCRBY on a non-integer): Internal,
//     with Redis's message.
// A broken connection is repaired lazily: each call reconnects at most once.
// A stale connection (Redis restarted or closed it while idle) is noticed
// before sending, so the call goes through on the new connection. When the
// connection drops after a command was sent, read-only and idempotent
// commands are retried once on a new connection; PutIfAbsent, Delete and
// Increment are not (their first attempt may have applied), and report
// Unavailable instead.
//
// Thread-compatible: one thread at a time (the GCS loop).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gcs/store/store_client.h"

struct redisContext;
struct redisReply;

namespace photon {
namespace gcs {

struct RedisStoreClientOptions {
  // Hashes are named "<prefix>:<table>". Two clients share data only when
  // their prefixes match; tests use distinct prefixes to stay isolated.
  std::string prefix = "photon";
  // Bound on establishing a TCP connection (Connect and each reconnect).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Bound on sending one command and reading its reply. A call that hits it
  // fails with Unavailable and the next call starts on a fresh connection.
  absl::Duration command_timeout = absl::Seconds(5);
};

class RedisStoreClient : public StoreClient {
 public:
  using Options = RedisStoreClientOptions;

  // Connects to Redis at host:port and checks it answers PING. Fails with
  // Unavailable naming the address when Redis cannot be reached or does not
  // answer within the timeouts.
  static absl::StatusOr<std::unique_ptr<RedisStoreClient>> Connect(const std::string& host,
                                                                   int port, Options options = {});

  ~RedisStoreClient() override;
  RedisStoreClient(const RedisStoreClient&) = delete;
  RedisStoreClient& operator=(const RedisStoreClient&) = delete;

  absl::StatusOr<bool> Put(const std::string& table, const std::string& key,
                   const std::string& value) override;
  absl::StatusOr<bool> PutIfAbsent(const std::string& table, const std::string& key,
                                   const std::string& value) override;
  absl::StatusOr<std::optional<std::string>> Get(const std::string& table,
                                                 const std::string& key) override;
  absl::StatusOr<std::map<std::string, std::string>> MultiGet(
      const std::string& table, const std::vector<std::string>& keys) override;
  absl::StatusOr<std::map<std::string, std::string>> GetAll(const std::string& table) override;
  absl::StatusOr<int64_t> Delete(const std::string& table,
                                 const std::vector<std::string>& keys) override;
  absl::StatusOr<bool> Exists(const std::string& table, const std::string& key) override;
  // HKEYS, then prefix filtering and sorting here: Redis glob patterns are
  // not binary-safe, and a table's key count is small (nodes, jobs, ...).
  absl::StatusOr<std::vector<std::string>> Keys(const std::string& table,
                                                const std::string& prefix) override;
  absl::StatusOr<int64_t> Increment(const std::string& table, const std::string& key,
                                    int64_t delta) override;

  // "host:port", as used in error messages.
  const std::string& address() const { return address_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  struct ReplyDeleter {
    void operator()(redisReply* reply) const;
  };
  using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;
  using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

  // Whether a command may be sent again after its connection dropped with
  // the outcome unknown.
  enum class Retry { kSafe, kUnsafe };

  RedisStoreClient(std::string host, int port, Options options);

  // Replaces the connection with a new one; Unavailable when that fails.
  absl::Status Reconnect();
  // True when the idle connection has been closed or has unexpected input,
  // i.e. it cannot carry the next command.
  bool ConnectionIsStale() const;
  // Sends `args` as one command and returns the reply: never an error reply
  // (those become Internal) and never null (Unavailable). Handles reconnecting.
  absl::StatusOr<ReplyPtr> Run(const std::vector<absl::string_view>& args, Retry retry);
  // One attempt on the current connection; null when it failed (the reason is
  // in context_->errstr and last_errno_).
  ReplyPtr SendOnce(const std::vector<absl::string_view>& args);
  // Whether SendOnce failed because the command timeout expired; a slow
  // Redis is not helped by resending.
  bool LastFailureWasTimeout() const;
  // SIGPIPE was ignored when the client was made (true in Photon's daemons),
  // so writes to a closed connection need no per-call signal guard.
  bool sigpipe_ignored_ = false;
  // Unavailable for the failure SendOnce just reported.
  absl::Status TransportError(absl::string_view command, Retry retry) const;
  // Internal error for a reply of the wrong type.
  absl::Status UnexpectedReply(absl::string_view command, const redisReply& reply) const;

  std::string HashName(const std::string& table) const;

  const std::string host_;
  const int port_;
  const Options options_;
  const std::string address_;
  ContextPtr context_;  // Null until connected and after a failed reconnect.
  int last_errno_ = 0;  // errno right after the last failed SendOnce.
};

}  // namespace gcs
}  // namespace photon
