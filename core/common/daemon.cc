#include "core/common/daemon.h"

#include <signal.h>

#include <cstdlib>

#include "core/common/logging.h"
#include "core/common/session.h"

namespace photon {
namespace {

sigset_t TerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void BlockTerminationSignals() {
  sigset_t set = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int WaitForTerminationSignal() {
  sigset_t set = TerminationSignals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

absl::StatusOr<std::string> DaemonToken(const std::string& session_dir) {
  const char* env = std::getenv("PHOTON_CLUSTER_TOKEN");
  if (env != nullptr && *env != '\0') return std::string(env);
  if (!session_dir.empty()) {
    absl::StatusOr<Session> session = Session::Open(session_dir);
    if (session.ok()) {
      absl::StatusOr<std::string> token = session->ReadToken();
      if (token.ok() && !token->empty()) return token;
    }
  }
  return absl::FailedPreconditionError(
      "no cluster token: set PHOTON_CLUSTER_TOKEN or pass --session-dir of a session whose token "
      "file exists (photon start does this)");
}

void InitDaemonLogging(const std::string& name, const std::string& session_dir) {
  if (!session_dir.empty()) InitLogging(name, session_dir + "/logs");
}

}  // namespace photon
