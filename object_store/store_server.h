#pragma once

// StoreServer: the node's object store, served on a unix socket.
//
// Owns the shared memory, the LocalStore, a loop thread that runs it, and a
// few background threads for spilling and restoring. A client connects to
// `socket_path`, receives the shared-memory descriptor once (SCM_RIGHTS) and
// then sends framed StoreRequests (proto/object_store.proto). Closing the
// connection releases the client's pins and aborts what it left unsealed.
//
//   ASSIGN_OR_RETURN(auto server, StoreServer::Start({.socket_path = path, .capacity = 1 << 30}));
//   ...
//   server->Stop();
//
// Code in the raylet process (the object manager) uses the store directly:
// Post work to loop() and call store() there.
//
// Thread-safe: Start/Stop/Stats from any thread; store() only on loop().

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "core/common/event_loop.h"
#include "core/common/thread_pool.h"
#include "object_store/local_store.h"
#include "object_store/shared_memory.h"

namespace photon {
namespace object_store {

class StoreServer {
 public:
  struct Options {
    std::string socket_path;
    int64_t capacity = 0;
    // Where the shared-memory file is made.
    std::string shm_dir = "/dev/shm";
    // Spill files go here; empty turns spilling off.
    std::string spill_dir;
    int spill_threads = 2;
    std::chrono::milliseconds create_grace{10000};
    int64_t min_spill_bytes = 16 << 20;
    // How long the store's loop polls for the next request before sleeping
    // (see EventLoop::SetSpinBeforeSleep); 0 always sleeps.
    std::chrono::microseconds spin{50};
  };

  static absl::StatusOr<std::unique_ptr<StoreServer>> Start(Options options);
  ~StoreServer();

  void Stop();
  // A snapshot of the store's statistics (waits for the loop).
  rpc::StoreStats Stats();
  // Deletes objects now, or when their last pin goes (waits for the loop);
  // returns how many went now.
  int64_t Delete(const std::vector<ObjectID>& ids);

  EventLoop& loop() { return loop_; }
  LocalStore& store() { return *store_; }
  uint8_t* base() const { return shm_->base(); }
  int64_t capacity() const { return options_.capacity; }
  const std::string& socket_path() const { return options_.socket_path; }
  // A client id for in-process users (never used by a connection).
  ClientId NewInternalClient() { return --next_internal_client_; }

 private:
  class Connection;
  explicit StoreServer(Options options);
  absl::Status Listen();
  void Accept();
  void OnDisconnected(ClientId client);

  Options options_;
  std::unique_ptr<SharedMemory> shm_;
  EventLoop loop_;
  std::unique_ptr<ThreadPool> background_;
  std::unique_ptr<LocalStore> store_;
  struct Acceptor;
  std::unique_ptr<Acceptor> acceptor_;
  // Live connections by client id (loop only).
  std::map<ClientId, std::shared_ptr<Connection>> connections_;
  ClientId next_client_ = 1;
  std::atomic<ClientId> next_internal_client_{0};
  bool stopped_ = false;
};

}  // namespace object_store
}  // namespace photon
