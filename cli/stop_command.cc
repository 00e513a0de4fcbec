#include <fstream>
#include <iostream>

#include "cli/command_flags.h"
#include "cli/commands.h"
#include "core/common/flags.h"
#include "core/common/process.h"
#include "core/common/session.h"

namespace photon {
namespace cli {
namespace {

// True when `pid` runs one of Photon's daemons (its command name starts with
// "photon-"), so a pid file whose pid was recycled never gets it signalled.
bool IsPhotonDaemon(pid_t pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name.rfind("photon-", 0) == 0;
}

}  // namespace

int RunStop(const std::vector<std::string>& args) {
  FlagSet flags("photon stop", "Stop every Photon process of this machine's sessions.");
  flags.AddInt("grace-period-s", 10, "seconds to wait after SIGTERM before SIGKILL");
  flags.AddBool("force", false, "SIGKILL at once");
  if (int exit_code = ParseCommandFlags(flags, args); exit_code >= 0) return exit_code;
  // Job supervisors first (each stops its job and records it STOPPED), then
  // raylets, so they can unregister from a GCS that is still up.
  std::vector<std::pair<Session, std::string>> jobs, raylets, others;
  std::vector<pid_t> job_pids, raylet_pids, other_pids;
  for (const Session& session : Session::All()) {
    for (const auto& [name, pid] : session.Pids()) {
      if (!ProcessAlive(pid) || !IsPhotonDaemon(pid)) {
        session.RemovePid(name);  // stale: exited, or the pid now belongs to someone else
        continue;
      }
      bool is_raylet = name.rfind("raylet", 0) == 0;
      bool is_job = name.rfind("job-", 0) == 0;
      (is_job ? jobs : is_raylet ? raylets : others).emplace_back(session, name);
      (is_job ? job_pids : is_raylet ? raylet_pids : other_pids).push_back(pid);
    }
  }
  const auto grace = flags.GetBool("force") ? std::chrono::milliseconds(0)
                                            : std::chrono::milliseconds(flags.GetInt("grace-period-s") * 1000);
  int killed = TerminateAll(job_pids, grace) + TerminateAll(raylet_pids, grace) + TerminateAll(other_pids, grace);
  for (auto* group : {&jobs, &raylets, &others}) {
    for (const auto& [session, name] : *group) session.RemovePid(name);
  }
  size_t stopped = job_pids.size() + raylet_pids.size() + other_pids.size();
  if (stopped == 0) {
    std::cout << "No Photon processes are running on this machine.\n";
  } else {
    std::cout << "Stopped " << stopped << " Photon process" << (stopped == 1 ? "" : "es");
    if (killed > 0) std::cout << " (" << killed << " needed SIGKILL)";
    std::cout << ".\n";
  }
  return 0;
}

}  // namespace cli
}  // namespace photon
