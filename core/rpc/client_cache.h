#pragma once

// ClientCache: one typed client per peer address, made on first use (one
// gRPC channel each) and kept for the owner's life. Replaces StubCache.
//
//   ClientCache<RayletClient> raylets(loop, token);
//   raylets.For("10.0.0.5:41234").ReturnWorker(request, nullptr);
//
// `Client` is constructed as Client(loop, address, token): RayletClient,
// CoreWorkerClient. A reference from For stays valid while the cache lives.
//
// Thread-compatible: owned by a loop, and used only on it.

#include <memory>
#include <string>
#include <unordered_map>

#include "core/common/event_loop.h"

namespace photon {
namespace rpc {

template <typename Client>
class ClientCache {
 public:
  ClientCache(EventLoop& loop, std::string token) : loop_(loop), token_(std::move(token)) {}

  Client& For(const std::string& address) {
    std::unique_ptr<Client>& client = clients_[address];
    if (!client) client = std::make_unique<Client>(loop_, address, token_);
    return *client;
  }

 private:
  EventLoop& loop_;
  const std::string token_;
  std::unordered_map<std::string, std::unique_ptr<Client>> clients_;
};

}  // namespace rpc
}  // namespace photon
