#pragma once

// ThroughGcsRestart: the retry policy of calls that wait out a GCS restart
// rather than fail while it is down: UNAVAILABLE is retried, with backoff, for
// PHOTON_GCS_RECONNECT_TIMEOUT_S seconds (60 by default, as Ray's
// gcs_rpc_server_reconnect_timeout_s) before the call fails.
//
//   GcsClient gcs({address, token, ThroughGcsRestart()});

#include <chrono>

#include "core/rpc/retry_policy.h"

namespace photon {
namespace gcs {

rpc::RetryPolicy ThroughGcsRestart(std::chrono::milliseconds attempt_timeout = std::chrono::seconds(10));

}  // namespace gcs
}  // namespace photon
