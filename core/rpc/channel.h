#pragma once

// MakeChannel: the gRPC channel every Photon client uses. Insecure (the
// cluster token authenticates each call, core/rpc/auth.h), with keepalive,
// 512 MiB messages, and quick reconnects after a peer restarts.
//
//   auto stub = rpc::RayletService::NewStub(rpc::MakeChannel("10.0.0.5:41234"));
//
// Thread-safe (so are the channels it returns).

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace photon {
namespace rpc {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

}  // namespace rpc
}  // namespace photon
