#include "core/common/logging.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace photon {
namespace {

struct LogSink {
  std::mutex mu;
  FILE* file = nullptr;  // nullptr: stderr only
  std::string path;
  LogLevel min_level = LogLevel::kInfo;
};

LogSink& Sink() {
  static LogSink* sink = [] {
    auto* s = new LogSink();
    const char* env = std::getenv("PHOTON_LOG_LEVEL");
    if (env != nullptr) {
      std::string v = env;
      if (v == "debug") s->min_level = LogLevel::kDebug;
      if (v == "warning") s->min_level = LogLevel::kWarning;
      if (v == "error") s->min_level = LogLevel::kError;
    }
    return s;
  }();
  return *sink;
}

char LevelChar(LogLevel level) { return "DIWEF"[static_cast<int>(level)]; }

}  // namespace

bool InitLogging(const std::string& process_name, const std::string& log_dir) {
  std::string path = log_dir + "/" + process_name + ".log";
  FILE* f = std::fopen(path.c_str(), "a");
  LogSink& sink = Sink();
  std::lock_guard<std::mutex> lock(sink.mu);
  if (f == nullptr) {
    std::fprintf(stderr, "photon: cannot open log file %s: %s; logging to stderr\n", path.c_str(),
                 std::strerror(errno));
    return false;
  }
  if (sink.file != nullptr) std::fclose(sink.file);
  sink.file = f;
  sink.path = path;
  return true;
}

std::string LogFilePath() {
  std::lock_guard<std::mutex> lock(Sink().mu);
  return Sink().path;
}

bool LogLevelEnabled(LogLevel level) { return level >= Sink().min_level; }

LogMessage::LogMessage(const char* file, int line, LogLevel level) : level_(level) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char stamp[64];
  std::snprintf(stamp, sizeof(stamp), "%c%02d%02d %02d:%02d:%02d.%06ld %d ", LevelChar(level),
                local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<long>(tv.tv_usec), static_cast<int>(getpid()));
  const char* base = std::strrchr(file, '/');
  stream_ << stamp << (base ? base + 1 : file) << ":" << line << "] ";
}

LogMessage::~LogMessage() {
  stream_ << '\n';
  std::string text = stream_.str();
  LogSink& sink = Sink();
  {
    std::lock_guard<std::mutex> lock(sink.mu);
    if (sink.file != nullptr) {
      std::fwrite(text.data(), 1, text.size(), sink.file);
      std::fflush(sink.file);
    }
    if (sink.file == nullptr || level_ >= LogLevel::kWarning) {
      std::fwrite(text.data(), 1, text.size(), stderr);
    }
  }
  if (level_ == LogLevel::kFatal) std::abort();
}

}  // namespace photon
