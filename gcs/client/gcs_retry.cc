#include "gcs/client/gcs_retry.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "core/common/logging.h"

namespace photon {
namespace gcs {
namespace {

constexpr int kDefaultReconnectSeconds = 60;

int ReconnectSeconds() {
  const char* env = std::getenv("PHOTON_GCS_RECONNECT_TIMEOUT_S");
  if (env == nullptr || *env == '\0') return kDefaultReconnectSeconds;
  int seconds = 0;
  if (absl::SimpleAtoi(env, &seconds) && seconds >= 0) return seconds;
  PHOTON_LOG(WARNING) << "PHOTON_GCS_RECONNECT_TIMEOUT_S=" << env << " is not a whole number of seconds; using "
                      << kDefaultReconnectSeconds;
  return kDefaultReconnectSeconds;
}

}  // namespace

rpc::RetryPolicy ThroughGcsRestart(std::chrono::milliseconds attempt_timeout) {
  rpc::RetryPolicy policy;
  policy.attempt_timeout = attempt_timeout;
  return rpc::RetryThrough(policy, std::chrono::seconds(ReconnectSeconds()));
}

}  // namespace gcs
}  // namespace photon
