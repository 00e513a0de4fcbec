#pragma once

// HOST:PORT strings, written one way everywhere: the address of a node's
// raylet or object manager (from its GcsNodeInfo), of a process named by an
// rpc::Address (an owner's core worker, a leased worker's task port), or of
// a host and port.
//
//   const std::string raylet = rpc::RayletAddress(node);             // "10.0.0.5:41234"
//   const std::string objects = rpc::ObjectManagerAddress(node);
//   const std::string owner = rpc::HostPort(ref.owner);
//
// Free functions: thread-safe.

#include <string>

#include "proto/common.pb.h"
#include "proto/gcs.pb.h"

namespace photon {
namespace rpc {

std::string HostPort(const std::string& host, int port);
std::string HostPort(const Address& address);

// Where the node's raylet serves RayletService.
std::string RayletAddress(const GcsNodeInfo& node);
// Where the node's object manager serves transfers (object_store/transfer_server.h).
std::string ObjectManagerAddress(const GcsNodeInfo& node);

}  // namespace rpc
}  // namespace photon
