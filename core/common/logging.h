#pragma once

// Line-oriented logging to one file per process in the session directory.
//
//   InitLogging("gcs", session.logs_dir);        // -> <logs_dir>/gcs.log
//   PHOTON_LOG(INFO) << "node " << id << " registered";
//   PHOTON_LOG(FATAL) << "cannot continue";      // logs, then aborts
//
// Before InitLogging (and in tests) lines go to stderr. WARNING and above are
// also copied to stderr so that a daemon started by hand shows its problems.
// Thread-safe: each line is written whole under a mutex.

#include <sstream>
#include <string>

namespace photon {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kFatal = 4 };

// Sends this process's lines to `<log_dir>/<process_name>.log` (appending).
// Lines below PHOTON_LOG_LEVEL (debug|info|warning|error; default info) are dropped.
// Returns false, and keeps logging to stderr, when the file cannot be opened.
bool InitLogging(const std::string& process_name, const std::string& log_dir);

// Path of the current log file, or "" when logging to stderr.
std::string LogFilePath();

class LogMessage {
 public:
  LogMessage(const char* file, int line, LogLevel level);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

bool LogLevelEnabled(LogLevel level);

}  // namespace photon

// Spellings for PHOTON_LOG(INFO) and friends.
namespace photon {
namespace log_level {
constexpr LogLevel DEBUG = LogLevel::kDebug;
constexpr LogLevel INFO = LogLevel::kInfo;
constexpr LogLevel WARNING = LogLevel::kWarning;
constexpr LogLevel ERROR = LogLevel::kError;
constexpr LogLevel FATAL = LogLevel::kFatal;
}  // namespace log_level

// Turns a log statement into a void expression, so PHOTON_LOG is a single
// expression and nests safely inside an unbraced if/else.
struct LogVoidify {
  void operator&(std::ostream&) {}
};
}  // namespace photon

#define PHOTON_LOG(level)                                        \
  !::photon::LogLevelEnabled(::photon::log_level::level)         \
      ? (void)0                                                  \
      : ::photon::LogVoidify() &                                 \
            ::photon::LogMessage(__FILE__, __LINE__, ::photon::log_level::level).stream()

// For programmer bugs only (never for input, RPC, disk or Redis failures).
#define PHOTON_CHECK(cond)                 \
  (cond) ? (void)0                         \
         : ::photon::LogVoidify() &        \
               ::photon::LogMessage(__FILE__, __LINE__, ::photon::LogLevel::kFatal).stream() \
                   << "Check failed: " #cond " "
