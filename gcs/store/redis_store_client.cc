#include "gcs/store/redis_store_client.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "hiredis/hiredis.h"

namespace photon {
namespace gcs {
namespace {

// hiredis writes with write(2), so a write to a connection Redis has just
// closed raises SIGPIPE, whose default action kills the GCS. While alive, this
// blocks SIGPIPE on the calling thread; on destruction it discards a SIGPIPE
// raised meanwhile (the failed write is reported as EPIPE anyway) and restores
// the mask. The process's signal dispositions are left alone.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_);
  }

  ~ScopedSigpipeBlock() {
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec no_wait = {0, 0};
        sigtimedwait(&sigpipe_, nullptr, &no_wait);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

std::string ReplyString(const redisReply& reply) { return std::string(reply.str, reply.len); }

}  // namespace

void RedisStoreClient::ContextDeleter::operator()(redisContext* context) const {
  redisFree(context);
}

void RedisStoreClient::ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

absl::StatusOr<std::unique_ptr<RedisStoreClient>> RedisStoreClient::Connect(const std::string& host,
                                                                            int port,
                                                                            Options options) {
  if (host.empty() || port < 1 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad redis address \"", host, ":", port,
                                                   "\": need a host and a port 1..65535"));
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.command_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("redis connect_timeout and command_timeout must be positive");
  }
  std::unique_ptr<RedisStoreClient> client(new RedisStoreClient(host, port, std::move(options)));
  absl::Status connected = client->Reconnect();
  if (!connected.ok()) return connected;
  absl::StatusOr<ReplyPtr> pong = client->Run({"PING"}, Retry::kSafe);
  if (!pong.ok()) return pong.status();
  const redisReply& reply = **pong;
  if (reply.type != REDIS_REPLY_STATUS || ReplyString(reply) != "PONG") {
    return client->UnexpectedReply("PING", reply);
  }
  return client;
}

RedisStoreClient::RedisStoreClient(std::string host, int port, Options options)
    : host_(std::move(host)),
      port_(port),
      options_(std::move(options)),
      address_(absl::StrCat(host_, ":", port_)) {
  struct sigaction current;
  sigpipe_ignored_ = sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

RedisStoreClient::~RedisStoreClient() = default;

std::string RedisStoreClient::HashName(const std::string& table) const {
  return absl::StrCat(options_.prefix, ":", table);
}

absl::Status RedisStoreClient::Reconnect() {
  context_.reset();
  ContextPtr fresh(
      redisConnectWithTimeout(host_.c_str(), port_, absl::ToTimeval(options_.connect_timeout)));
  if (fresh == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address_, " unreachable: cannot allocate a hiredis context"));
  }
  if (fresh->err != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis ", address_, " unreachable: ", fresh->errstr));
  }
  if (redisSetTimeout(fresh.get(), absl::ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", address_, " unreachable: cannot set command timeout: ", fresh->errstr));
  }
  context_ = std::move(fresh);
  return absl::OkStatus();
}

bool RedisStoreClient::ConnectionIsStale() const {
  // Between two synchronous commands Redis sends nothing, so any readiness
  // (EOF, reset, stray bytes) means this connection cannot be trusted.
  pollfd descriptor = {context_->fd, POLLIN, 0};
  return poll(&descriptor, 1, 0) != 0;
}

RedisStoreClient::ReplyPtr RedisStoreClient::SendOnce(const std::vector<absl::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> argv_lengths;
  argv.reserve(args.size());
  argv_lengths.reserve(args.size());
  for (absl::string_view arg : args) {
    argv.push_back(arg.data());
    argv_lengths.push_back(arg.size());
  }
  // Daemons ignore SIGPIPE already; only other users pay for the guard.
  std::optional<ScopedSigpipeBlock> no_sigpipe;
  if (!sigpipe_ignored_) no_sigpipe.emplace();
  errno = 0;
  // The argv form takes explicit lengths: binary-safe, like "%b".
  void* reply = redisCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                                 argv_lengths.data());
  last_errno_ = errno;
  return ReplyPtr(static_cast<redisReply*>(reply));
}

absl::StatusOr<RedisStoreClient::ReplyPtr> RedisStoreClient::Run(
    const std::vector<absl::string_view>& args, Retry retry) {
  bool reconnected = false;
  if (context_ == nullptr || context_->err != 0 || ConnectionIsStale()) {
    absl::Status status = Reconnect();
    if (!status.ok()) return status;
    reconnected = true;
  }
  ReplyPtr reply = SendOnce(args);
  if (reply == nullptr && !reconnected && retry == Retry::kSafe && !LastFailureWasTimeout()) {
    absl::Status status = Reconnect();
    if (!status.ok()) return status;
    reply = SendOnce(args);
  }
  if (reply == nullptr) return TransportError(args[0], retry);
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::InternalError(
        absl::StrCat("redis ", address_, ": ", args[0], " failed: ", ReplyString(*reply)));
  }
  return reply;
}

bool RedisStoreClient::LastFailureWasTimeout() const {
  // A read or write that hit SO_RCVTIMEO/SO_SNDTIMEO fails with EAGAIN.
  return context_->err == REDIS_ERR_IO && (last_errno_ == EAGAIN || last_errno_ == EWOULDBLOCK);
}

absl::Status RedisStoreClient::TransportError(absl::string_view command, Retry retry) const {
  std::string reason = LastFailureWasTimeout()
                           ? absl::StrCat("no reply to ", command, " within ",
                                          absl::FormatDuration(options_.command_timeout))
                           : absl::StrCat(context_->errstr, " during ", command);
  if (retry == Retry::kUnsafe) absl::StrAppend(&reason, "; it may or may not have been applied");
  // The context keeps its error, so the next call starts on a new connection.
  return absl::UnavailableError(absl::StrCat("redis ", address_, " unreachable: ", reason));
}

absl::Status RedisStoreClient::UnexpectedReply(absl::string_view command,
                                               const redisReply& reply) const {
  return absl::InternalError(
      absl::StrCat("redis ", address_, ": unexpected reply of type ", reply.type, " to ", command));
}

absl::StatusOr<bool> RedisStoreClient::Put(const std::string& table, const std::string& key,
                                           const std::string& value) {
  absl::StatusOr<ReplyPtr> reply = Run({"HSET", HashName(table), key, value}, Retry::kSafe);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("HSET", **reply);
  return (*reply)->integer == 1;  // HSET answers how many fields were new
}

absl::StatusOr<bool> RedisStoreClient::PutIfAbsent(const std::string& table, const std::string& key,
                                                   const std::string& value) {
  absl::StatusOr<ReplyPtr> reply = Run({"HSETNX", HashName(table), key, value}, Retry::kUnsafe);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("HSETNX", **reply);
  return (*reply)->integer == 1;
}

absl::StatusOr<std::optional<std::string>> RedisStoreClient::Get(const std::string& table,
                                                                 const std::string& key) {
  absl::StatusOr<ReplyPtr> reply = Run({"HGET", HashName(table), key}, Retry::kSafe);
  if (!reply.ok()) return reply.status();
  const redisReply& r = **reply;
  if (r.type == REDIS_REPLY_NIL) return std::optional<std::string>();
  if (r.type != REDIS_REPLY_STRING) return UnexpectedReply("HGET", r);
  return std::optional<std::string>(ReplyString(r));
}

absl::StatusOr<std::map<std::string, std::string>> RedisStoreClient::MultiGet(
    const std::string& table, const std::vector<std::string>& keys) {
  std::map<std::string, std::string> found;
  if (keys.empty()) return found;  // HMGET needs at least one field.
  const std::string hash = HashName(table);
  std::vector<absl::string_view> args = {"HMGET", hash};
  args.insert(args.end(), keys.begin(), keys.end());
  absl::StatusOr<ReplyPtr> reply = Run(args, Retry::kSafe);
  if (!reply.ok()) return reply.status();
  const redisReply& r = **reply;
  if (r.type != REDIS_REPLY_ARRAY || r.elements != keys.size()) return UnexpectedReply("HMGET", r);
  for (size_t i = 0; i < r.elements; ++i) {
    const redisReply& value = *r.element[i];
    if (value.type == REDIS_REPLY_STRING) {
      found.emplace(keys[i], ReplyString(value));
    } else if (value.type != REDIS_REPLY_NIL) {
      return UnexpectedReply("HMGET", value);
    }
  }
  return found;
}

absl::StatusOr<std::map<std::string, std::string>> RedisStoreClient::GetAll(
    const std::string& table) {
  absl::StatusOr<ReplyPtr> reply = Run({"HGETALL", HashName(table)}, Retry::kSafe);
  if (!reply.ok()) return reply.status();
  const redisReply& r = **reply;
  if (r.type != REDIS_REPLY_ARRAY || r.elements % 2 != 0) return UnexpectedReply("HGETALL", r);
  std::map<std::string, std::string> entries;
  for (size_t i = 0; i < r.elements; i += 2) {  // field, value, field, value, ...
    const redisReply& key = *r.element[i];
    const redisReply& value = *r.element[i + 1];
    if (key.type != REDIS_REPLY_STRING) return UnexpectedReply("HGETALL", key);
    if (value.type != REDIS_REPLY_STRING) return UnexpectedReply("HGETALL", value);
    entries.emplace(ReplyString(key), ReplyString(value));
  }
  return entries;
}

absl::StatusOr<int64_t> RedisStoreClient::Delete(const std::string& table,
                                                 const std::vector<std::string>& keys) {
  if (keys.empty()) return 0;  // HDEL needs at least one field.
  const std::string hash = HashName(table);
  std::vector<absl::string_view> args = {"HDEL", hash};
  args.insert(args.end(), keys.begin(), keys.end());
  absl::StatusOr<ReplyPtr> reply = Run(args, Retry::kUnsafe);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("HDEL", **reply);
  return static_cast<int64_t>((*reply)->integer);
}

absl::StatusOr<bool> RedisStoreClient::Exists(const std::string& table, const std::string& key) {
  absl::StatusOr<ReplyPtr> reply = Run({"HEXISTS", HashName(table), key}, Retry::kSafe);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("HEXISTS", **reply);
  return (*reply)->integer == 1;
}

absl::StatusOr<std::vector<std::string>> RedisStoreClient::Keys(const std::string& table,
                                                                const std::string& prefix) {
  absl::StatusOr<ReplyPtr> reply = Run({"HKEYS", HashName(table)}, Retry::kSafe);
  if (!reply.ok()) return reply.status();
  const redisReply& r = **reply;
  if (r.type != REDIS_REPLY_ARRAY) return UnexpectedReply("HKEYS", r);
  std::vector<std::string> keys;
  for (size_t i = 0; i < r.elements; ++i) {
    const redisReply& key = *r.element[i];
    if (key.type != REDIS_REPLY_STRING) return UnexpectedReply("HKEYS", key);
    absl::string_view view(key.str, key.len);
    if (absl::StartsWith(view, prefix)) keys.emplace_back(view);
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

absl::StatusOr<int64_t> RedisStoreClient::Increment(const std::string& table,
                                                    const std::string& key, int64_t delta) {
  const std::string delta_text = absl::StrCat(delta);
  absl::StatusOr<ReplyPtr> reply =
      Run({"HINCRBY", HashName(table), key, delta_text}, Retry::kUnsafe);
  if (!reply.ok()) return reply.status();
  if ((*reply)->type != REDIS_REPLY_INTEGER) return UnexpectedReply("HINCRBY", **reply);
  return static_cast<int64_t>((*reply)->integer);
}

}  // namespace gcs
}  // namespace photon
