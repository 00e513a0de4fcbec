// Objects between two real raylets: a 1 GiB object pulled across, and a pull
// whose source raylet is killed in the middle.

#include <signal.h>

#include <future>
#include <thread>

#include "core/rpc/addresses.h"
#include "core/rpc/client_call.h"
#include "gtest/gtest.h"
#include "object_store/object_store_client.h"
#include "proto/raylet.grpc.pb.h"
#include "tests/cluster_fixture.h"

namespace photon {
namespace testing {
namespace {

using object_store::ObjectStoreClient;

constexpr int64_t kGiB = 1LL << 30;

// A fast checksum over 8-byte words (the tail byte by byte).
uint64_t Checksum(const uint8_t* data, int64_t size) {
  uint64_t h = 1469598103934665603ull;
  int64_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    std::memcpy(&w, data + i, 8);
    h = (h ^ w) * 1099511628211ull;
  }
  for (; i < size; i++) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

struct TwoNodes {
  std::unique_ptr<Cluster> cluster;
  rpc::GcsNodeInfo source, dest;
  std::unique_ptr<ObjectStoreClient> source_store, dest_store;
  std::unique_ptr<rpc::RayletService::Stub> dest_raylet;
};

TwoNodes Start() {
  TwoNodes t;
  Cluster::Options options;
  options.num_nodes = 2;
  options.object_store_bytes = kGiB + (256 << 20);
  auto cluster = Cluster::Start(options);
  EXPECT_TRUE(cluster.ok()) << cluster.status();
  if (!cluster.ok()) return t;
  t.cluster = std::move(*cluster);
  t.source = *t.cluster->NodeInfo(0);
  t.dest = *t.cluster->NodeInfo(1);
  t.source_store = std::move(*ObjectStoreClient::Connect(t.source.object_store_socket()));
  t.dest_store = std::move(*ObjectStoreClient::Connect(t.dest.object_store_socket()));
  t.dest_raylet = rpc::RayletService::NewStub(rpc::MakeChannel(rpc::RayletAddress(t.dest)));
  return t;
}

ObjectID PutPattern(ObjectStoreClient& store, int64_t size, uint64_t* sum) {
  ObjectID id = ObjectID::FromRandom();
  auto object = store.Create(id, size, 0);
  EXPECT_TRUE(object.ok()) << object.status();
  uint64_t x = 88172645463325252ull;
  for (int64_t i = 0; i + 8 <= size; i += 8) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    std::memcpy(object->data + i, &x, 8);
  }
  *sum = Checksum(object->data, size);
  EXPECT_TRUE(store.Seal(id).ok());
  EXPECT_TRUE(store.Release(id).ok());
  return id;
}

grpc::Status Pull(TwoNodes& t, const ObjectID& id) {
  rpc::PullObjectRequest request;
  request.set_object_id(id.Binary());
  request.add_holders(rpc::ObjectManagerAddress(t.source));
  rpc::PullObjectReply reply;
  grpc::ClientContext ctx;
  rpc::SetAuthToken(&ctx, t.cluster->token());
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  return t.dest_raylet->PullObject(&ctx, request, &reply);
}

TEST(ObjectTransferTest, OneGibObjectPulledBetweenRayletsEqualsTheSource) {
  TwoNodes t = Start();
  ASSERT_NE(t.cluster, nullptr);
  uint64_t sum = 0;
  ObjectID id = PutPattern(*t.source_store, kGiB, &sum);
  auto started = std::chrono::steady_clock::now();
  grpc::Status pulled = Pull(t, id);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(pulled.ok()) << pulled.error_message();
  std::cout << "pulled 1 GiB in " << seconds << " s (" << 1.0737 / seconds << " GB/s)\n";
  auto got = t.dest_store->Get({id}, 0);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE((*got)[0].found);
  ASSERT_EQ((*got)[0].data_size, kGiB);
  EXPECT_EQ(Checksum((*got)[0].data, kGiB), sum);
  EXPECT_TRUE(t.dest_store->Release(id).ok());
}

TEST(ObjectTransferTest, PullFromARayletKilledMidTransferFailsCleanly) {
  TwoNodes t = Start();
  ASSERT_NE(t.cluster, nullptr);
  uint64_t sum = 0;
  ObjectID id = PutPattern(*t.source_store, kGiB, &sum);
  std::future<grpc::Status> pull = std::async(std::launch::async, [&] { return Pull(t, id); });
  // Kill the source as soon as the destination has made room for the copy.
  for (int i = 0; i < 5000; i++) {
    auto stats = t.dest_store->Stats();
    if (stats.ok() && stats->used_bytes() > 0) break;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  t.cluster->KillNode(0, SIGKILL);
  grpc::Status status = pull.get();
  if (status.ok()) {
    // The transfer won the race: then every byte must be right.
    auto got = t.dest_store->Get({id}, 0);
    ASSERT_TRUE(got.ok() && (*got)[0].found);
    EXPECT_EQ(Checksum((*got)[0].data, kGiB), sum);
    GTEST_SKIP() << "the transfer finished before the kill; nothing half-written";
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("pull of object " + id.Hex() + " failed"), std::string::npos)
      << status.error_message();
  EXPECT_FALSE(*t.dest_store->Contains(id));
  auto got = t.dest_store->Get({id}, 0);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE((*got)[0].found);  // no half-written object is visible
  EXPECT_EQ(t.dest_store->Stats()->used_bytes(), 0);  // and its memory came back
}

}  // namespace
}  // namespace testing
}  // namespace photon
