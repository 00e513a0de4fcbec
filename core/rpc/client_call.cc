#include "core/rpc/client_call.h"

#include <thread>

#include "core/rpc/unary_call.h"

namespace photon {
namespace rpc {

grpc::Status CallWithRetry(const std::string& token, const RetryPolicy& policy,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt) {
  grpc::Status status;
  for (int i = 0; i < policy.max_attempts; i++) {
    if (i > 0) std::this_thread::sleep_for(BackoffFor(policy, i));
    grpc::ClientContext context;
    rpc_internal::PrepareAttempt(&context, token, policy);
    status = attempt(&context);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
  }
  return status;
}

}  // namespace rpc
}  // namespace photon
