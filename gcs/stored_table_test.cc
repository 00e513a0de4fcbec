#include "gcs/stored_table.h"

#include "gcs/store/in_memory_store_client.h"
#include "gcs/store/redis_server_for_test.h"
#include "gcs/store/redis_store_client.h"
#include "gtest/gtest.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace gcs {
namespace {

rpc::JobTableData Job(const std::string& entrypoint) {
  rpc::JobTableData job;
  job.set_entrypoint(entrypoint);
  return job;
}

TEST(StoredTableTest, RowsComeBackInKeyOrderAndABadRowIsSkipped) {
  InMemoryStoreClient store;
  StoredTable<rpc::JobTableData> table(store, "t");
  ASSERT_TRUE(table.Put("b", Job("second")).ok());
  ASSERT_TRUE(table.Put("a", Job("first")).ok());
  ASSERT_TRUE(table.Put("a", Job("first, again")).ok());  // replaces
  ASSERT_TRUE(store.Put("t", "c", "\xff\xff not a protobuf").ok());
  auto rows = table.LoadAll();
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].first, "a");
  EXPECT_EQ((*rows)[0].second.entrypoint(), "first, again");
  EXPECT_EQ((*rows)[1].second.entrypoint(), "second");
  EXPECT_TRUE(StoredTable<rpc::JobTableData>(store, "empty").LoadAll()->empty());
  ASSERT_TRUE(table.Delete("a").ok());
  ASSERT_TRUE(table.Delete("a").ok()) << "deleting a missing row is OK";
  ASSERT_EQ(table.LoadAll()->size(), 1u);
}

TEST(StoredTableTest, ErrorsNameTheTableAndTheRow) {
  auto redis = RedisServerForTest::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto store = RedisStoreClient::Connect("127.0.0.1", (*redis)->port());
  ASSERT_TRUE(store.ok()) << store.status();
  StoredTable<rpc::JobTableData> table(**store, "jobs");
  (*redis)->Kill();
  absl::Status put = table.Put("\x01\x02", Job("x"));
  EXPECT_EQ(put.code(), absl::StatusCode::kUnavailable) << put;
  EXPECT_NE(put.message().find("storing jobs row 0102: redis "), std::string::npos) << put;
  absl::Status del = table.Delete("\x01\x02");
  EXPECT_NE(del.message().find("deleting jobs row 0102: redis "), std::string::npos) << del;
  absl::Status load = table.LoadAll().status();
  EXPECT_NE(load.message().find("loading table jobs: redis "), std::string::npos) << load;
}

}  // namespace
}  // namespace gcs
}  // namespace photon
