#include "core/rpc/client_call.h"

#include <thread>

namespace photon {
namespace rpc {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(512 << 20);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  // Reconnect quickly after a peer restarts (the default backoff reaches 120 s).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // After a refused connection the resolver is asked again; by default it
  // waits 30 s between resolutions, which would delay reconnecting.
  args.SetInt(GRPC_ARG_DNS_MIN_TIME_BETWEEN_RESOLUTIONS_MS, 100);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

std::chrono::milliseconds BackoffFor(const RetryPolicy& policy, int attempt) {
  std::chrono::milliseconds backoff = policy.initial_backoff;
  for (int i = 1; i < attempt && backoff < policy.max_backoff; i++) backoff *= 2;
  return std::min(backoff, policy.max_backoff);
}

grpc::Status CallWithRetry(const std::string& token, const RetryPolicy& policy,
                           const std::function<grpc::Status(grpc::ClientContext*)>& attempt) {
  grpc::Status status;
  for (int i = 0; i < policy.max_attempts; i++) {
    if (i > 0) std::this_thread::sleep_for(BackoffFor(policy, i));
    grpc::ClientContext context;
    SetAuthToken(&context, token);
    context.set_deadline(std::chrono::system_clock::now() + policy.attempt_timeout);
    status = attempt(&context);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return status;
  }
  return status;
}

}  // namespace rpc
}  // namespace photon
