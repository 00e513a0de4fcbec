#pragma once

// TransferServer: the holder side of object transfers. Other nodes' object
// managers connect over TCP and ask for byte ranges of objects in this
// node's store; the bytes are sent straight from shared memory (no copy).
// Every request carries the cluster token. An object is pinned for as long
// as a connection serves it, so it cannot be evicted mid-transfer.
//
//   ASSIGN_OR_RETURN(auto server, TransferServer::Start({.token = token}, store));
//   int port = server->port();   // advertised in the node's GcsNodeInfo
//
// Thread-safe. Each connection is served on a thread of its own pool.

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "core/common/thread_pool.h"
#include "object_store/store_server.h"

namespace photon {
namespace object_store {

class TransferServer {
 public:
  struct Options {
    std::string host = "0.0.0.0";
    int port = 0;
    std::string token;
    // Connections served at once; more wait in the accept queue.
    int threads = 8;
    std::chrono::milliseconds io_timeout{30000};
  };

  static absl::StatusOr<std::unique_ptr<TransferServer>> Start(Options options, StoreServer& store);
  ~TransferServer();
  void Stop();
  int port() const { return port_; }

 private:
  TransferServer(Options options, StoreServer& store) : options_(std::move(options)), store_(store) {}
  void AcceptLoop();
  void Serve(int fd);

  const Options options_;
  StoreServer& store_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::unique_ptr<ThreadPool> pool_;
  std::mutex mu_;
  std::set<int> open_fds_;  // guarded by mu_; shut down by Stop
};

}  // namespace object_store
}  // namespace photon
