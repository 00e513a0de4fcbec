#include "core/rpc/unary_call.h"

#include "absl/strings/str_cat.h"
#include "core/rpc/auth.h"

namespace photon {
namespace rpc {

absl::Status CallStatus(const CallSpec& spec, const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::Status(code, absl::StrCat(spec.name, " to ", spec.address, " failed: ", status.error_message()));
  }
  return absl::Status(code, status.error_message());
}

namespace rpc_internal {

void PrepareAttempt(grpc::ClientContext* context, const std::string& token, const RetryPolicy& policy) {
  SetAuthToken(context, token);
  context->set_deadline(std::chrono::system_clock::now() + policy.attempt_timeout);
}

}  // namespace rpc_internal
}  // namespace rpc
}  // namespace photon
