#pragma once

// Conversions between absl::Status (the core's errors) and grpc::Status (the
// wire's). Both use the canonical codes, so the code and message carry over.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace photon {
namespace rpc {

inline grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

inline absl::Status FromGrpcStatus(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

}  // namespace rpc
}  // namespace photon
