#pragma once

// The wall clock as the tables and APIs record it: milliseconds since the
// Unix epoch (job start and end times, actor and group times, samples).
//
//   job.set_start_time_ms(UnixMillis());
//
// Thread-safe.

#include <chrono>
#include <cstdint>

namespace photon {

inline int64_t UnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace photon
