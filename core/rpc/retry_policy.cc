#include "core/rpc/retry_policy.h"

#include <algorithm>

namespace photon {
namespace rpc {

std::chrono::milliseconds BackoffFor(const RetryPolicy& policy, int attempt) {
  std::chrono::milliseconds backoff = policy.initial_backoff;
  for (int i = 1; i < attempt && backoff < policy.max_backoff; i++) backoff *= 2;
  return std::min(backoff, policy.max_backoff);
}

RetryPolicy RetryThrough(RetryPolicy policy, std::chrono::milliseconds outage) {
  std::chrono::milliseconds waited(0);
  int attempts = 1;
  while (waited < outage) {
    const std::chrono::milliseconds step = BackoffFor(policy, attempts++);
    if (step.count() <= 0) break;  // no backoff: more attempts would not wait longer
    waited += step;
  }
  policy.max_attempts = attempts;
  return policy;
}

}  // namespace rpc
}  // namespace photon
