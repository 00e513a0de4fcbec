#include "cli/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace photon {
namespace cli {
namespace {

std::string SelfDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  buf[n] = '\0';
  std::string path(buf);
  return path.substr(0, path.rfind('/'));
}

bool IsExecutable(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

}  // namespace

absl::StatusOr<std::string> FindBinary(const std::string& name) {
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("PHOTON_BIN_DIR"); dir != nullptr && *dir != '\0') {
    candidates.push_back(absl::StrCat(dir, "/", name));
  }
  const std::string self = SelfDir();
  candidates.push_back(self + "/" + name);
  candidates.push_back(self + "/../gcs/" + name);
  candidates.push_back(self + "/../raylet/" + name);
  for (const std::string& c : candidates) {
    if (IsExecutable(c)) return c;
  }
  return absl::NotFoundError(absl::StrCat("cannot find ", name, "; looked at ",
                                          absl::StrJoin(candidates, ", "),
                                          " (set PHOTON_BIN_DIR or run `make build`)"));
}

absl::StatusOr<int> SpawnDaemon(const std::string& path, const std::vector<std::string>& args,
                                const std::string& output_path) {
  std::vector<std::string> argv_strings = {path};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError(absl::StrCat("fork failed: ", std::strerror(errno)));
  if (pid == 0) {
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int out = open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    // Daemons get default signal handling whatever the CLI had.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(path.c_str(), argv.data());
    std::fprintf(stderr, "photon: cannot exec %s: %s\n", path.c_str(), std::strerror(errno));
    _exit(127);
  }
  return static_cast<int>(pid);
}

bool ProcessAlive(int pid) {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat_file, content)) return false;
  size_t close_paren = content.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= content.size()) return false;
  char state = content[close_paren + 2];
  return state != 'Z' && state != 'X';
}

bool IsPhotonDaemon(int pid) {
  std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name.rfind("photon-", 0) == 0;
}

std::string ReapIfExited(int pid) {
  int status = 0;
  pid_t r = waitpid(pid, &status, WNOHANG);
  if (r != pid) return ProcessAlive(pid) ? "" : "exited";
  if (WIFEXITED(status)) return absl::StrCat("exit code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("killed by signal ", WTERMSIG(status));
  return "exited";
}

bool PortInUse(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  bool in_use = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0;
  close(fd);
  return in_use;
}

int TerminateAll(const std::vector<int>& pids, std::chrono::milliseconds grace) {
  for (int pid : pids) kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    bool any = false;
    for (int pid : pids) {
      ReapIfExited(pid);
      any = any || ProcessAlive(pid);
    }
    if (!any) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  int killed = 0;
  for (int pid : pids) {
    if (ProcessAlive(pid)) {
      kill(pid, SIGKILL);
      killed++;
    }
  }
  for (int pid : pids) ReapIfExited(pid);
  return killed;
}

std::string TailFile(const std::string& path, int max_lines) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (static_cast<int>(lines.size()) > max_lines) lines.pop_front();
  }
  std::ostringstream out;
  for (const std::string& l : lines) out << "  " << l << "\n";
  return out.str();
}

}  // namespace cli
}  // namespace photon
