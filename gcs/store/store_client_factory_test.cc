#include "gcs/store/store_client_factory.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gcs/store/redis_server_for_test.h"
#include "gtest/gtest.h"

namespace photon {
namespace gcs {
namespace {

void ExpectRoundTrip(StoreClient& store) {
  ASSERT_TRUE(store.Put("t", "k", "v").ok());
  absl::StatusOr<std::optional<std::string>> value = store.Get("t", "k");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, std::optional<std::string>("v"));
}

TEST(StoreClientFactoryTest, MemoryAndEmptyMeanInMemory) {
  for (const std::string storage : {"memory", ""}) {
    absl::StatusOr<std::unique_ptr<StoreClient>> store = MakeStoreClient(storage);
    ASSERT_TRUE(store.ok()) << store.status();
    ExpectRoundTrip(**store);
  }
}

TEST(StoreClientFactoryTest, RejectsMalformedValues) {
  for (const std::string storage :
       {"Memory", "redis", "redis://", "redis://host", "redis://:6379", "redis://[]:6379",
        "redis://host:", "redis://host:0", "redis://host:65536", "redis://host:+80",
        "redis://host: 80", "redis://host:80x", "redis://host:999999", "http://host:80",
        "REDIS://host:80"}) {
    absl::StatusOr<std::unique_ptr<StoreClient>> store = MakeStoreClient(storage);
    ASSERT_FALSE(store.ok()) << storage;
    EXPECT_TRUE(absl::IsInvalidArgument(store.status())) << store.status();
    EXPECT_TRUE(absl::StrContains(store.status().message(), absl::StrCat("\"", storage, "\"")))
        << store.status();
    EXPECT_TRUE(absl::StrContains(store.status().message(), "redis://HOST:PORT")) << store.status();
    EXPECT_TRUE(absl::StrContains(store.status().message(), "\"memory\"")) << store.status();
  }
}

TEST(StoreClientFactoryTest, RedisUrlConnects) {
  absl::StatusOr<std::unique_ptr<RedisServerForTest>> redis = RedisServerForTest::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  absl::StatusOr<std::unique_ptr<StoreClient>> store =
      MakeStoreClient(absl::StrCat("redis://", (*redis)->address()));
  ASSERT_TRUE(store.ok()) << store.status();
  ExpectRoundTrip(**store);
}

TEST(StoreClientFactoryTest, UnreachableRedisIsUnavailable) {
  absl::StatusOr<std::unique_ptr<RedisServerForTest>> redis = RedisServerForTest::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  (*redis)->Kill();  // Leaves a port with nothing listening.
  absl::StatusOr<std::unique_ptr<StoreClient>> store =
      MakeStoreClient(absl::StrCat("redis://", (*redis)->address()));
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsUnavailable(store.status())) << store.status();
  EXPECT_TRUE(absl::StrContains(store.status().message(), (*redis)->address())) << store.status();
}

}  // namespace
}  // namespace gcs
}  // namespace photon
