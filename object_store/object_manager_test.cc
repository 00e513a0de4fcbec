// Transfers between two in-process stores over real TCP on loopback.

#include "object_store/object_manager.h"

#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "object_store/framing.h"
#include "object_store/object_store_client.h"
#include "object_store/tcp.h"
#include "object_store/transfer_server.h"

namespace photon {
namespace object_store {
namespace {

uint64_t Checksum(const uint8_t* data, int64_t size) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

struct Node {
  std::unique_ptr<StoreServer> store;
  std::unique_ptr<TransferServer> transfers;
  std::unique_ptr<ObjectManager> manager;
  std::unique_ptr<ObjectStoreClient> client;
  std::string address() const { return "127.0.0.1:" + std::to_string(transfers->port()); }
};

Node StartNode(int64_t capacity, const std::string& token, int64_t chunk = 1 << 20) {
  static int counter = 0;
  Node node;
  StoreServer::Options options;
  options.socket_path = "/tmp/photon-om-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  options.capacity = capacity;
  node.store = std::move(*StoreServer::Start(options));
  TransferServer::Options t;
  t.host = "127.0.0.1";
  t.token = token;
  node.transfers = std::move(*TransferServer::Start(t, *node.store));
  ObjectManager::Options m;
  m.token = token;
  m.chunk_size = chunk;
  node.manager = std::make_unique<ObjectManager>(m, *node.store);
  node.client = std::move(*ObjectStoreClient::Connect(options.socket_path));
  return node;
}

absl::StatusOr<int64_t> PullSync(Node& node, const ObjectID& id, std::vector<std::string> holders) {
  std::promise<absl::StatusOr<int64_t>> done;
  node.manager->Pull(id, std::move(holders), [&](absl::StatusOr<int64_t> r) { done.set_value(r); });
  return done.get_future().get();
}

ObjectID PutRandom(Node& node, int64_t size, uint64_t* sum) {
  ObjectID id = ObjectID::FromRandom();
  auto object = node.client->Create(id, size, 3);
  EXPECT_TRUE(object.ok()) << object.status();
  std::mt19937_64 rng(size);
  for (int64_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = rng();
    std::memcpy(object->data + i, &v, 8);
  }
  std::memcpy(object->metadata, "abc", 3);
  *sum = Checksum(object->data, size);
  EXPECT_TRUE(node.client->Seal(id).ok());
  EXPECT_TRUE(node.client->Release(id).ok());
  return id;
}

TEST(ObjectManagerTest, PullCopiesEveryByteAndMergesConcurrentPulls) {
  Node a = StartNode(256 << 20, "tok");
  Node b = StartNode(256 << 20, "tok");
  uint64_t sum = 0;
  ObjectID id = PutRandom(a, (64 << 20) + 12345, &sum);
  std::promise<absl::StatusOr<int64_t>> first, second;
  b.manager->Pull(id, {a.address()}, [&](absl::StatusOr<int64_t> r) { first.set_value(r); });
  b.manager->Pull(id, {a.address()}, [&](absl::StatusOr<int64_t> r) { second.set_value(r); });
  absl::StatusOr<int64_t> r1 = first.get_future().get();
  absl::StatusOr<int64_t> r2 = second.get_future().get();
  ASSERT_TRUE(r1.ok()) << r1.status();
  ASSERT_TRUE(r2.ok()) << r2.status();
  auto got = b.client->Get({id}, 0);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE((*got)[0].found);
  EXPECT_EQ((*got)[0].data_size, (64 << 20) + 12345);
  EXPECT_EQ(Checksum((*got)[0].data, (*got)[0].data_size), sum);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*got)[0].metadata), 3), "abc");
  EXPECT_EQ(b.store->Stats().num_objects(), 1);
  // The holder's pins were all given back.
  EXPECT_EQ(a.store->Stats().pinned_bytes(), 0);
}

TEST(ObjectManagerTest, MissingObjectOrWrongTokenFailsAndTheNextHolderIsTried) {
  Node a = StartNode(64 << 20, "tok");
  Node b = StartNode(64 << 20, "tok");
  Node stranger = StartNode(64 << 20, "other-token");
  Node c = StartNode(64 << 20, "tok");
  uint64_t sum = 0;
  ObjectID id = PutRandom(a, 3 << 20, &sum);
  uint64_t stranger_sum = 0;
  ObjectID only_stranger = PutRandom(stranger, 1 << 20, &stranger_sum);

  absl::StatusOr<int64_t> refused = PullSync(c, only_stranger, {stranger.address()});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("wrong cluster token"), std::string::npos) << refused.status();

  absl::StatusOr<int64_t> pulled = PullSync(c, id, {b.address(), a.address()});
  ASSERT_TRUE(pulled.ok()) << pulled.status();
  EXPECT_EQ(*pulled, (3 << 20) + 3);

  absl::StatusOr<int64_t> nowhere = PullSync(c, ObjectID::FromRandom(), {a.address(), b.address()});
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.status().message().find("is not in this node's store"), std::string::npos);
  EXPECT_NE(nowhere.status().message().find(a.address()), std::string::npos);
  EXPECT_NE(nowhere.status().message().find(b.address()), std::string::npos);

  absl::StatusOr<int64_t> dead = PullSync(c, id, {"127.0.0.1:1"});
  ASSERT_FALSE(dead.ok());
  EXPECT_NE(dead.status().message().find("cannot connect to 127.0.0.1:1"), std::string::npos) << dead.status();
}

// A holder that answers the size, then dies halfway through the bytes.
TEST(ObjectManagerTest, HolderDyingMidTransferLeavesNothingHalfWritten) {
  Node b = StartNode(64 << 20, "tok", /*chunk=*/64 << 20);
  auto listening = ListenTcp("127.0.0.1", 0);
  ASSERT_TRUE(listening.ok());
  auto [listen_fd, port] = *listening;
  std::thread holder([listen_fd = listen_fd] {
    for (int conn = 0; conn < 2; conn++) {
      int fd = accept(listen_fd, nullptr, nullptr);
      auto request = ReadFrame(fd);
      rpc::TransferRequest r;
      r.ParseFromString(*request);
      rpc::TransferHeader header;
      header.set_data_size(8 << 20);
      header.set_offset(r.offset());
      header.set_length(r.length());
      (void)WriteFrame(fd, header.SerializeAsString());
      if (r.length() > 0) {
        std::string half(static_cast<size_t>(r.length() / 2), 'x');
        (void)SendAll(fd, reinterpret_cast<const uint8_t*>(half.data()), static_cast<int64_t>(half.size()));
        close(fd);
        return;
      }
      // Size probe answered; the same connection then asks for the chunk.
      request = ReadFrame(fd);
      r.ParseFromString(*request);
      header.set_offset(r.offset());
      header.set_length(r.length());
      (void)WriteFrame(fd, header.SerializeAsString());
      std::string half(static_cast<size_t>(r.length() / 2), 'x');
      (void)SendAll(fd, reinterpret_cast<const uint8_t*>(half.data()), static_cast<int64_t>(half.size()));
      close(fd);
      return;
    }
  });
  ObjectID id = ObjectID::FromRandom();
  absl::StatusOr<int64_t> pulled = PullSync(b, id, {"127.0.0.1:" + std::to_string(port)});
  holder.join();
  close(listen_fd);
  ASSERT_FALSE(pulled.ok());
  EXPECT_NE(pulled.status().message().find("connection closed after 4194304 of 8388608 bytes"), std::string::npos)
      << pulled.status();
  EXPECT_FALSE(*b.client->Contains(id));
  EXPECT_EQ(b.store->Stats().used_bytes(), 0);
  auto got = b.client->Get({id}, 0);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE((*got)[0].found);
}

}  // namespace
}  // namespace object_store
}  // namespace photon
