#pragma once

// RetryPolicy: the deadline of each attempt of a unary call, and how often
// and how soon it is tried again while the peer is UNAVAILABLE (down or
// restarting). Any other error, a deadline exceeded included, ends the call
// at once: the peer may have acted on it.
//
//   RetryPolicy policy{std::chrono::seconds(5), /*max_attempts=*/3};
//   std::this_thread::sleep_for(BackoffFor(policy, 1));   // before the second attempt
//
// A value type: thread-compatible.

#include <chrono>

namespace photon {
namespace rpc {

struct RetryPolicy {
  // Deadline of each attempt.
  std::chrono::milliseconds attempt_timeout{10000};
  // Attempts in all, the first included (1 = no retry).
  int max_attempts = 5;
  // Backoff before the second attempt; doubles up to max_backoff.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
};

// Backoff before retry number `attempt` (1 = before the second attempt).
std::chrono::milliseconds BackoffFor(const RetryPolicy& policy, int attempt);

// `policy` with enough attempts that its backoffs add up to at least
// `outage`: a peer down for less than that is waited for.
RetryPolicy RetryThrough(RetryPolicy policy, std::chrono::milliseconds outage);

}  // namespace rpc
}  // namespace photon
