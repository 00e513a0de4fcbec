// The store served on a real unix socket, with real clients (threads, and a
// child process that dies mid-create).

#include "object_store/object_store_client.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>

#include "gtest/gtest.h"
#include "object_store/framing.h"
#include "object_store/store_server.h"

namespace photon {
namespace object_store {
namespace {

using std::chrono::milliseconds;

uint64_t Checksum(const uint8_t* data, int64_t size) {
  uint64_t h = 1469598103934665603ull;
  for (int64_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(size, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

class StoreTest : public ::testing::Test {
 protected:
  void StartServer(int64_t capacity, bool spill, milliseconds grace = milliseconds(2000)) {
    static int counter = 0;
    StoreServer::Options options;
    options.socket_path = "/tmp/photon-store-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    options.capacity = capacity;
    options.create_grace = grace;
    options.min_spill_bytes = 1 << 20;
    if (spill) options.spill_dir = std::string(std::getenv("TEST_TMPDIR")) + "/spill" + std::to_string(counter);
    auto server = StoreServer::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
  }
  std::unique_ptr<ObjectStoreClient> NewClient() {
    auto client = ObjectStoreClient::Connect(server_->socket_path());
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::unique_ptr<StoreServer> server_;
};

TEST_F(StoreTest, PutInOneClientGetInAnother) {
  StartServer(64 << 20, false);
  auto writer = NewClient();
  auto reader = NewClient();
  ObjectID id = ObjectID::FromRandom();
  std::string data = RandomBytes(3 << 20, 1);
  ASSERT_TRUE(writer->Put(id, data.data(), static_cast<int64_t>(data.size()), "meta").ok());
  auto got = reader->Get({id}, 1000);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE((*got)[0].found);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*got)[0].data), (*got)[0].data_size), data);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*got)[0].metadata), (*got)[0].metadata_size), "meta");
  // A repeated get is served from this client's pins.
  auto again = reader->Get({id}, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].data, (*got)[0].data);
  EXPECT_TRUE(reader->Release(id).ok());
  EXPECT_TRUE(reader->Release(id).ok());
  EXPECT_EQ(reader->Release(id).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*reader->Contains(id), true);
  EXPECT_EQ(*reader->Delete({id}), 1);
  EXPECT_EQ(*reader->Contains(id), false);
}

TEST_F(StoreTest, GetWaitsForAnotherClientsSeal) {
  StartServer(16 << 20, false);
  auto writer = NewClient();
  auto reader = NewClient();
  ObjectID id = ObjectID::FromRandom();
  auto object = writer->Create(id, 8, 0);
  ASSERT_TRUE(object.ok());
  std::memcpy(object->data, "abcdefgh", 8);
  std::thread sealer([&] {
    std::this_thread::sleep_for(milliseconds(100));
    ASSERT_TRUE(writer->Seal(id).ok());
  });
  auto got = reader->Get({id}, 10000);
  sealer.join();
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE((*got)[0].found);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*got)[0].data), 8), "abcdefgh");
  auto missing = reader->Get({ObjectID::FromRandom()}, 50);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE((*missing)[0].found);
}

TEST_F(StoreTest, ConcurrentClientsCreateAndRead) {
  StartServer(256 << 20, false);
  auto shared = NewClient();  // one client used by every thread, plus one each
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      auto own = NewClient();
      for (int i = 0; i < 100; i++) {
        ObjectStoreClient& client = (i % 2 == 0) ? *own : *shared;
        ObjectID id = ObjectID::FromRandom();
        std::string data = RandomBytes(1000 + static_cast<size_t>(i) * 37, static_cast<uint32_t>(t * 1000 + i));
        if (!client.Put(id, data.data(), static_cast<int64_t>(data.size())).ok()) bad++;
        ObjectStoreClient& other = (i % 2 == 0) ? *shared : *own;
        auto got = other.Get({id}, 1000);
        if (!got.ok() || !(*got)[0].found ||
            Checksum((*got)[0].data, (*got)[0].data_size) !=
                Checksum(reinterpret_cast<const uint8_t*>(data.data()), static_cast<int64_t>(data.size()))) {
          bad++;
          continue;
        }
        if (!other.Release(id).ok()) bad++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  auto stats = shared->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->num_objects(), 400);
  EXPECT_EQ(stats->pinned_bytes(), 0);
}

TEST_F(StoreTest, ClientKilledMidCreateLosesItsObjectAndPins) {
  StartServer(16 << 20, false);
  auto survivor = NewClient();
  ObjectID held = ObjectID::FromRandom();
  ASSERT_TRUE(survivor->Put(held, "x", 1).ok());
  ObjectID half = ObjectID::FromRandom();
  pid_t child = fork();
  if (child == 0) {
    auto client = ObjectStoreClient::Connect(server_->socket_path());
    if (!client.ok()) _exit(1);
    if (!(*client)->Get({held}, 1000).ok()) _exit(2);  // a pin the store must drop
    auto object = (*client)->Create(half, 4 << 20, 0);
    if (!object.ok()) _exit(3);
    std::memset(object->data, 1, 1 << 20);  // half written, never sealed
    raise(SIGKILL);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  // The store notices the closed socket: the create is aborted, pins dropped.
  for (int i = 0; i < 200; i++) {
    auto stats = survivor->Stats();
    ASSERT_TRUE(stats.ok());
    if (stats->num_objects() == 1 && stats->pinned_bytes() == 0) break;
    std::this_thread::sleep_for(milliseconds(10));
  }
  auto stats = survivor->Stats();
  EXPECT_EQ(stats->num_objects(), 1);
  EXPECT_EQ(stats->pinned_bytes(), 0);
  EXPECT_EQ(stats->used_bytes(), 64);
  EXPECT_FALSE(*survivor->Contains(half));
  EXPECT_TRUE(survivor->Put(half, "again", 5).ok());  // the id is free again
}

TEST_F(StoreTest, FullStoreFailsAfterItsGraceNamingTheSizes) {
  StartServer(4 << 20, false, milliseconds(200));
  auto client = NewClient();
  ObjectID big = ObjectID::FromRandom();
  auto object = client->Create(big, 3 << 20, 0);  // pinned: cannot be evicted
  ASSERT_TRUE(object.ok());
  ASSERT_TRUE(client->Seal(big).ok());
  auto refused = client->Create(ObjectID::FromRandom(), 2 << 20, 0);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("of 2097152 bytes; the store's capacity is 4194304 bytes"),
            std::string::npos)
      << refused.status();
  auto got = client->Get({big}, 0);  // what was stored is intact
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE((*got)[0].found);
}

TEST_F(StoreTest, SpillAndRestoreRoundTripByteForByte) {
  StartServer(8 << 20, true);
  auto client = NewClient();
  std::vector<ObjectID> ids;
  std::vector<uint64_t> sums;
  for (int i = 0; i < 40; i++) {  // 40 MiB through an 8 MiB store
    ids.push_back(ObjectID::FromRandom());
    std::string data = RandomBytes(1 << 20, static_cast<uint32_t>(i));
    sums.push_back(Checksum(reinterpret_cast<const uint8_t*>(data.data()), 1 << 20));
    absl::Status put = client->Put(ids.back(), data.data(), 1 << 20);
    ASSERT_TRUE(put.ok()) << "object " << i << ": " << put;
  }
  auto stats = client->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_GE(stats->num_spilled_objects(), 32);
  for (int i = 0; i < 40; i++) {
    auto got = client->Get({ids[i]}, 10000);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_TRUE((*got)[0].found) << "object " << i << ": " << (*got)[0].error;
    EXPECT_EQ(Checksum((*got)[0].data, (*got)[0].data_size), sums[i]) << "object " << i;
    ASSERT_TRUE(client->Release(ids[i]).ok());
  }
  EXPECT_GT(client->Stats()->restored_bytes_total(), 0);
}

TEST_F(StoreTest, StoreThatWentAwayIsAClearErrorAndComesBack) {
  StartServer(4 << 20, false);
  auto client = NewClient();
  const std::string path = server_->socket_path();
  ASSERT_TRUE(client->Put(ObjectID::FromRandom(), "x", 1).ok());
  server_->Stop();
  server_.reset();
  absl::StatusOr<bool> gone = client->Contains(ObjectID::FromRandom());
  ASSERT_EQ(gone.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(gone.status().message().find(path), std::string::npos) << gone.status();
  StoreServer::Options options;
  options.socket_path = path;
  options.capacity = 4 << 20;
  auto restarted = StoreServer::Start(options);
  ASSERT_TRUE(restarted.ok());
  server_ = std::move(*restarted);
  EXPECT_TRUE(client->Put(ObjectID::FromRandom(), "y", 1).ok());  // reconnected
}

TEST_F(StoreTest, MalformedRequestClosesOnlyThatConnection) {
  StartServer(4 << 20, false);
  auto good = NewClient();
  ASSERT_TRUE(good->Put(ObjectID::FromRandom(), "x", 1).ok());
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, server_->socket_path().c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto hello = ReceiveFrameWithFd(fd);
  ASSERT_TRUE(hello.ok());
  close(hello->second);
  ASSERT_TRUE(WriteFrame(fd, "\xff\xff not a protobuf").ok());
  char c;
  EXPECT_EQ(recv(fd, &c, 1, 0), 0);  // the store hung up on it
  close(fd);
  int oversized[1] = {0x7fffffff};  // a length no frame may have
  int fd2 = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd2, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  auto hello2 = ReceiveFrameWithFd(fd2);
  ASSERT_TRUE(hello2.ok());
  close(hello2->second);
  ASSERT_EQ(send(fd2, oversized, 4, 0), 4);
  EXPECT_EQ(recv(fd2, &c, 1, 0), 0);
  close(fd2);
  EXPECT_EQ(good->Stats()->num_objects(), 1);  // everyone else carries on
}

TEST(SharedMemoryTest, TooLittleSharedMemoryNamesBothSizes) {
  auto free_bytes = SharedMemory::FreeBytes("/dev/shm");
  ASSERT_TRUE(free_bytes.ok());
  auto shm = SharedMemory::Create("/dev/shm", *free_bytes + (1LL << 30));
  ASSERT_EQ(shm.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(shm.status().message().find("has only"), std::string::npos) << shm.status();
  EXPECT_NE(shm.status().message().find(std::to_string(*free_bytes + (1LL << 30))), std::string::npos);
}

}  // namespace
}  // namespace object_store
}  // namespace photon
