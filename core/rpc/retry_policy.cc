#include "core/rpc/retry_policy.h"

#include <algorithm>

namespace photon {
namespace rpc {

std::chrono::milliseconds BackoffFor(const RetryPolicy& policy, int attempt) {
  std::chrono::milliseconds backoff = policy.initial_backoff;
  for (int i = 1; i < attempt && backoff < policy.max_backoff; i++) backoff *= 2;
  return std::min(backoff, policy.max_backoff);
}

}  // namespace rpc
}  // namespace photon
