#pragma once

// Following a job's log over a WebSocket (GET /api/jobs/{id}/logs/tail):
// text frames with the log's lines as they are written, then a normal close
// (1000) once the job has ended and its log is drained, as Ray's dashboard
// does.
//
//   LogTailer tailer({.max_tails = 64});
//   tailer.Start(std::move(socket), request, log_path, [&] { return JobEnded(id); });
//
// Each tail runs on a thread of its own (it mostly sleeps), up to
// `max_tails` at once; more are refused with close code 1013 (try again
// later). Thread-safe.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/http/http_server.h"

namespace photon {
namespace dashboard {

class LogTailer {
 public:
  struct Options {
    int max_tails = 64;
    int poll_ms = 100;  // how often the file is read for new lines
  };
  explicit LogTailer(Options options) : options_(options) {}

  // Takes over `socket`: accepts the WebSocket handshake of `request` and
  // follows `log_path` until `ended()` says the job is over (it is asked
  // every few polls).
  void Start(std::unique_ptr<http::WebSocket> socket, const http::Request& request, std::string log_path,
             std::function<bool()> ended);

 private:
  const Options options_;
  std::shared_ptr<std::atomic<int>> running_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace dashboard
}  // namespace photon
