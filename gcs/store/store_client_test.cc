// The StoreClient contract, run against every backend, plus Redis-only cases:
// sharing between clients (what a restarted GCS sees) and Redis going away.

#include "gcs/store/store_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs/store/redis_server_for_test.h"
#include "gcs/store/redis_store_client.h"
#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

using StringMap = std::map<std::string, std::string>;
using Strings = std::vector<std::string>;

// The value of `result`, recording a test failure (and returning T()) when it
// is an error.
template <typename T>
T Unwrap(absl::StatusOr<T> result) {
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? std::move(*result) : T();
}

std::string Bytes(const char* data, size_t size) { return std::string(data, size); }

// A prefix no other test uses, so tests sharing one Redis stay isolated.
std::string UniquePrefix() {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  return absl::StrCat("test:", test->test_suite_name(), ".", test->name());
}

enum class Backend { kMemory, kRedis };

class StoreClientTest : public ::testing::TestWithParam<Backend> {
 protected:
  // One Redis for the whole suite; each test writes under its own prefix.
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<RedisServerForTest>> server = RedisServerForTest::Start();
    redis_start_ = new absl::Status(server.status());
    if (server.ok()) redis_ = server->release();
  }

  static void TearDownTestSuite() {
    delete redis_;
    redis_ = nullptr;
    delete redis_start_;
    redis_start_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == Backend::kMemory) {
      store_ = std::make_unique<InMemoryStoreClient>();
      return;
    }
    ASSERT_TRUE(redis_start_->ok()) << *redis_start_;
    RedisStoreClient::Options options;
    options.prefix = UniquePrefix();
    absl::StatusOr<std::unique_ptr<RedisStoreClient>> client =
        RedisStoreClient::Connect("127.0.0.1", redis_->port(), options);
    ASSERT_TRUE(client.ok()) << client.status();
    store_ = std::move(*client);
  }

  static RedisServerForTest* redis_;
  static absl::Status* redis_start_;
  std::unique_ptr<StoreClient> store_;
};

RedisServerForTest* StoreClientTest::redis_ = nullptr;
absl::Status* StoreClientTest::redis_start_ = nullptr;

TEST_P(StoreClientTest, PutGetOverwrite) {
  ASSERT_TRUE(store_->Put("t", "k", "v1").ok());
  EXPECT_EQ(Unwrap(store_->Get("t", "k")), std::optional<std::string>("v1"));
  ASSERT_TRUE(store_->Put("t", "k", "v2").ok());
  EXPECT_EQ(Unwrap(store_->Get("t", "k")), std::optional<std::string>("v2"));
  ASSERT_TRUE(store_->Put("t", "empty", "").ok());
  EXPECT_EQ(Unwrap(store_->Get("t", "empty")), std::optional<std::string>(""));
}

TEST_P(StoreClientTest, PutIfAbsentKeepsFirstValue) {
  EXPECT_TRUE(Unwrap(store_->PutIfAbsent("t", "k", "first")));
  EXPECT_FALSE(Unwrap(store_->PutIfAbsent("t", "k", "second")));
  EXPECT_EQ(Unwrap(store_->Get("t", "k")), std::optional<std::string>("first"));
}

TEST_P(StoreClientTest, GetMissingIsNullopt) {
  EXPECT_EQ(Unwrap(store_->Get("no_such_table", "k")), std::nullopt);
  ASSERT_TRUE(store_->Put("t", "k", "v").ok());
  EXPECT_EQ(Unwrap(store_->Get("t", "other")), std::nullopt);
}

TEST_P(StoreClientTest, MultiGetReturnsOnlyExistingKeys) {
  ASSERT_TRUE(store_->Put("t", "a", "1").ok());
  ASSERT_TRUE(store_->Put("t", "c", "3").ok());
  EXPECT_EQ(Unwrap(store_->MultiGet("t", {"a", "b", "c", "d"})),
            (StringMap{{"a", "1"}, {"c", "3"}}));
  EXPECT_EQ(Unwrap(store_->MultiGet("t", {})), StringMap());
  EXPECT_EQ(Unwrap(store_->MultiGet("no_such_table", {"a"})), StringMap());
}

TEST_P(StoreClientTest, GetAll) {
  EXPECT_EQ(Unwrap(store_->GetAll("t")), StringMap());
  ASSERT_TRUE(store_->Put("t", "a", "1").ok());
  ASSERT_TRUE(store_->Put("t", "b", "2").ok());
  EXPECT_EQ(Unwrap(store_->GetAll("t")), (StringMap{{"a", "1"}, {"b", "2"}}));
}

TEST_P(StoreClientTest, DeleteCountsExistingKeys) {
  ASSERT_TRUE(store_->Put("t", "a", "1").ok());
  ASSERT_TRUE(store_->Put("t", "b", "2").ok());
  ASSERT_TRUE(store_->Put("t", "c", "3").ok());
  EXPECT_EQ(Unwrap(store_->Delete("t", {"a", "b", "missing", "a"})), 2);
  EXPECT_EQ(Unwrap(store_->GetAll("t")), (StringMap{{"c", "3"}}));
  EXPECT_EQ(Unwrap(store_->Delete("t", {})), 0);
  EXPECT_EQ(Unwrap(store_->Delete("no_such_table", {"a"})), 0);
  EXPECT_EQ(Unwrap(store_->Delete("t", {"c"})), 1);
  EXPECT_EQ(Unwrap(store_->GetAll("t")), StringMap());
}

TEST_P(StoreClientTest, Exists) {
  EXPECT_FALSE(Unwrap(store_->Exists("t", "k")));
  ASSERT_TRUE(store_->Put("t", "k", "").ok());
  EXPECT_TRUE(Unwrap(store_->Exists("t", "k")));
  ASSERT_EQ(Unwrap(store_->Delete("t", {"k"})), 1);
  EXPECT_FALSE(Unwrap(store_->Exists("t", "k")));
}

TEST_P(StoreClientTest, KeysByPrefixAreSorted) {
  for (const char* key : {"job:2", "node:1", "job:10", "job:1", "jobs"}) {
    ASSERT_TRUE(store_->Put("t", key, "v").ok());
  }
  EXPECT_EQ(Unwrap(store_->Keys("t", "job:")), (Strings{"job:1", "job:10", "job:2"}));
  EXPECT_EQ(Unwrap(store_->Keys("t", "")), (Strings{"job:1", "job:10", "job:2", "jobs", "node:1"}));
  EXPECT_EQ(Unwrap(store_->Keys("t", "zzz")), Strings());
  EXPECT_EQ(Unwrap(store_->Keys("no_such_table", "")), Strings());
}

TEST_P(StoreClientTest, BinaryKeysAndValues) {
  const std::string nul_key = Bytes("a\0b", 3);
  const std::string nul_end = Bytes("a\0", 2);
  const std::string colon_key = "a:b";
  const std::string high_key = "a\xff";
  const std::string value = Bytes("\0v\xff\r\n", 5);
  for (const std::string& key : {nul_key, nul_end, colon_key, high_key, std::string("a")}) {
    ASSERT_TRUE(store_->Put("t", key, value).ok());
  }
  EXPECT_EQ(Unwrap(store_->Get("t", nul_key)), std::optional<std::string>(value));
  EXPECT_EQ(Unwrap(store_->Get("t", "a")), std::optional<std::string>(value));
  // Bytewise (unsigned) order: '\0' < ':' < '\xff'.
  EXPECT_EQ(Unwrap(store_->Keys("t", "a")), (Strings{"a", nul_end, nul_key, colon_key, high_key}));
  EXPECT_EQ(Unwrap(store_->Keys("t", nul_end)), (Strings{nul_end, nul_key}));
  EXPECT_EQ(Unwrap(store_->Keys("t", "a:")), (Strings{colon_key}));
  EXPECT_EQ(Unwrap(store_->MultiGet("t", {nul_key, Bytes("a\0c", 3)})),
            (StringMap{{nul_key, value}}));
  EXPECT_EQ(Unwrap(store_->Delete("t", {nul_end})), 1);
  EXPECT_TRUE(Unwrap(store_->Exists("t", nul_key)));
}

TEST_P(StoreClientTest, Increment) {
  EXPECT_EQ(Unwrap(store_->Increment("counters", "job", 1)), 1);
  EXPECT_EQ(Unwrap(store_->Increment("counters", "job", 41)), 42);
  EXPECT_EQ(Unwrap(store_->Increment("counters", "job", -50)), -8);
  // Stored as a decimal string, as Redis does.
  EXPECT_EQ(Unwrap(store_->Get("counters", "job")), std::optional<std::string>("-8"));
  ASSERT_TRUE(store_->Put("counters", "preset", "100").ok());
  EXPECT_EQ(Unwrap(store_->Increment("counters", "preset", 0)), 100);
}

TEST_P(StoreClientTest, IncrementRejectsNonIntegersAndOverflow) {
  ASSERT_TRUE(store_->Put("counters", "text", "abc").ok());
  EXPECT_FALSE(store_->Increment("counters", "text", 1).ok());
  EXPECT_EQ(Unwrap(store_->Get("counters", "text")), std::optional<std::string>("abc"));
  const int64_t max = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(Unwrap(store_->Increment("counters", "big", max)), max);
  EXPECT_FALSE(store_->Increment("counters", "big", 1).ok());
  EXPECT_EQ(Unwrap(store_->Get("counters", "big")), std::optional<std::string>(absl::StrCat(max)));
}

TEST_P(StoreClientTest, TablesAreIndependent) {
  ASSERT_TRUE(store_->Put("nodes", "k", "node").ok());
  ASSERT_TRUE(store_->Put("jobs", "k", "job").ok());
  // Table names that would collide if joined naively with the key.
  ASSERT_TRUE(store_->Put("a", "b:c", "1").ok());
  ASSERT_TRUE(store_->Put("a:b", "c", "2").ok());
  EXPECT_EQ(Unwrap(store_->Get("nodes", "k")), std::optional<std::string>("node"));
  EXPECT_EQ(Unwrap(store_->Get("jobs", "k")), std::optional<std::string>("job"));
  EXPECT_EQ(Unwrap(store_->GetAll("a")), (StringMap{{"b:c", "1"}}));
  EXPECT_EQ(Unwrap(store_->GetAll("a:b")), (StringMap{{"c", "2"}}));
  EXPECT_EQ(Unwrap(store_->Delete("nodes", {"k"})), 1);
  EXPECT_TRUE(Unwrap(store_->Exists("jobs", "k")));
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreClientTest,
                         ::testing::Values(Backend::kMemory, Backend::kRedis),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kMemory ? "memory" : "redis";
                         });

// Redis-only behaviour; each test owns its server so it may kill it.
class RedisStoreClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RedisServerForTest>> server = RedisServerForTest::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    redis_ = std::move(*server);
  }

  absl::StatusOr<std::unique_ptr<RedisStoreClient>> NewClient(
      const std::string& prefix = "photon") {
    RedisStoreClient::Options options;
    options.prefix = prefix;
    options.connect_timeout = absl::Seconds(2);
    options.command_timeout = absl::Seconds(2);
    return RedisStoreClient::Connect("127.0.0.1", redis_->port(), options);
  }

  std::unique_ptr<RedisServerForTest> redis_;
};

TEST_F(RedisStoreClientTest, TwoClientsSeeTheSameData) {
  std::unique_ptr<RedisStoreClient> first = Unwrap(NewClient());
  std::unique_ptr<RedisStoreClient> second = Unwrap(NewClient());
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->Put("nodes", "n1", "alive").ok());
  EXPECT_EQ(Unwrap(second->Get("nodes", "n1")), std::optional<std::string>("alive"));
  EXPECT_EQ(Unwrap(second->Increment("counters", "job", 1)), 1);
  EXPECT_EQ(Unwrap(first->Increment("counters", "job", 1)), 2);
  EXPECT_FALSE(Unwrap(second->PutIfAbsent("nodes", "n1", "other")));

  std::unique_ptr<RedisStoreClient> other_prefix = Unwrap(NewClient("elsewhere"));
  ASSERT_TRUE(other_prefix);
  EXPECT_EQ(Unwrap(other_prefix->GetAll("nodes")), StringMap());
}

TEST_F(RedisStoreClientTest, DataOutlivesTheClient) {
  {
    std::unique_ptr<RedisStoreClient> gcs = Unwrap(NewClient());
    ASSERT_TRUE(gcs);
    ASSERT_TRUE(gcs->Put("jobs", "j1", "running").ok());
    ASSERT_EQ(Unwrap(gcs->Increment("counters", "job", 7)), 7);
  }
  // What a restarted GCS sees.
  std::unique_ptr<RedisStoreClient> restarted = Unwrap(NewClient());
  ASSERT_TRUE(restarted);
  EXPECT_EQ(Unwrap(restarted->GetAll("jobs")), (StringMap{{"j1", "running"}}));
  EXPECT_EQ(Unwrap(restarted->Increment("counters", "job", 1)), 8);
}

TEST_F(RedisStoreClientTest, KilledRedisIsUnavailableWithAddress) {
  std::unique_ptr<RedisStoreClient> client = Unwrap(NewClient());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Put("t", "k", "v").ok());
  redis_->Kill();

  const absl::Time start = absl::Now();
  std::vector<absl::Status> results = {
      client->Put("t", "k", "v").status(),
      client->PutIfAbsent("t", "k", "v").status(),
      client->Get("t", "k").status(),
      client->MultiGet("t", {"k"}).status(),
      client->GetAll("t").status(),
      client->Delete("t", {"k"}).status(),
      client->Exists("t", "k").status(),
      client->Keys("t", "").status(),
      client->Increment("t", "n", 1).status(),
  };
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  for (const absl::Status& status : results) {
    EXPECT_TRUE(absl::IsUnavailable(status)) << status;
    EXPECT_TRUE(absl::StrContains(status.message(), absl::StrCat("redis ", redis_->address())))
        << status;
    EXPECT_TRUE(absl::StrContains(status.message(), "Connection refused")) << status;
  }
}

TEST_F(RedisStoreClientTest, ReconnectsAfterRedisRestart) {
  std::unique_ptr<RedisStoreClient> client = Unwrap(NewClient());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Put("t", "k", "v").ok());
  ASSERT_TRUE(redis_->Restart().ok());
  // No persistence: the restarted server is empty, and the same client works
  // on a new connection without a failed call first.
  EXPECT_EQ(Unwrap(client->Get("t", "k")), std::nullopt);
  EXPECT_EQ(Unwrap(client->Increment("t", "n", 1)), 1);
}

TEST_F(RedisStoreClientTest, RecoversWhenRedisComesBack) {
  std::unique_ptr<RedisStoreClient> client = Unwrap(NewClient());
  ASSERT_TRUE(client);
  redis_->Kill();
  EXPECT_TRUE(absl::IsUnavailable(client->Put("t", "k", "v").status()));
  ASSERT_TRUE(redis_->Restart().ok());
  EXPECT_TRUE(client->Put("t", "k", "v").ok());
  EXPECT_EQ(Unwrap(client->Get("t", "k")), std::optional<std::string>("v"));
}

TEST_F(RedisStoreClientTest, ConnectFailsClearlyWhenNothingListens) {
  redis_->Kill();
  absl::StatusOr<std::unique_ptr<RedisStoreClient>> client = NewClient();
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(absl::IsUnavailable(client.status())) << client.status();
  EXPECT_EQ(client.status().message(),
            absl::StrCat("redis ", redis_->address(), " unreachable: Connection refused"));
}

TEST_F(RedisStoreClientTest, ErrorReplyIsInternalWithRedisMessage) {
  std::unique_ptr<RedisStoreClient> client = Unwrap(NewClient());
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Put("counters", "text", "abc").ok());
  absl::StatusOr<int64_t> result = client->Increment("counters", "text", 1);
  EXPECT_TRUE(absl::IsInternal(result.status())) << result.status();
  EXPECT_TRUE(absl::StrContains(result.status().message(), "not an integer")) << result.status();
  // The connection is still usable after an error reply.
  EXPECT_EQ(Unwrap(client->Get("counters", "text")), std::optional<std::string>("abc"));
}

TEST(RedisStoreClientConnectTest, RejectsBadArguments) {
  EXPECT_TRUE(absl::IsInvalidArgument(RedisStoreClient::Connect("127.0.0.1", 0).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(RedisStoreClient::Connect("", 6379).status()));
  RedisStoreClient::Options options;
  options.command_timeout = absl::ZeroDuration();
  EXPECT_TRUE(
      absl::IsInvalidArgument(RedisStoreClient::Connect("127.0.0.1", 6379, options).status()));
}

// A peer that accepts TCP connections (the kernel does, from the backlog) but
// never answers: Connect must give up after the command timeout, not hang.
TEST(RedisStoreClientConnectTest, SilentServerTimesOut) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  RedisStoreClient::Options options;
  options.command_timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<RedisStoreClient>> client =
      RedisStoreClient::Connect("127.0.0.1", port, options);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  close(fd);
  ASSERT_FALSE(client.ok());
  EXPECT_TRUE(absl::IsUnavailable(client.status())) << client.status();
  EXPECT_TRUE(absl::StrContains(
      client.status().message(),
      absl::StrCat("redis 127.0.0.1:", port, " unreachable: no reply to PING within 200ms")))
      << client.status();
}

}  // namespace
}  // namespace gcs
}  // namespace photon
