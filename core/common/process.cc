#include "core/common/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace photon {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(10);

// What the child needs, all built before fork: after fork, a child of a
// multithreaded parent may not allocate (another thread may have held the
// allocator's lock), so it only reads this.
struct ChildPlan {
  std::vector<std::string> argv_strings;
  std::vector<std::string> env_strings;
  std::vector<char*> argv;
  std::vector<char*> envp;
  int stdin_fd = -1;   // /dev/null
  int output_fd = -1;  // -1: keep the parent's
  bool close_output_fd = false;
  int max_fd = 0;      // for closing descriptors where close_range is missing
  pid_t parent = 0;
};

// Opens `path` close-on-exec at a descriptor above 2, so that dup2 onto
// 0, 1 and 2 in the child never overwrites another of its sources.
absl::StatusOr<int> OpenAbove2(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  if (fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  close(fd);
  if (moved < 0) return absl::InternalError(absl::StrCat("fcntl on ", path, ": ", std::strerror(errno)));
  return moved;
}

std::vector<std::string> ChildEnvironment(const SpawnOptions& options) {
  std::set<std::string> overridden;
  for (const auto& [name, value] : options.env) overridden.insert(name);
  std::vector<std::string> env;
  if (options.inherit_environment) {
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      const std::string text(*entry);
      if (overridden.count(text.substr(0, text.find('='))) == 0) env.push_back(text);
    }
  }
  for (const auto& [name, value] : options.env) env.push_back(name + "=" + value);
  return env;
}

absl::StatusOr<ChildPlan> MakePlan(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) return absl::InvalidArgumentError("Spawn: argv is empty");
  ChildPlan plan;
  plan.argv_strings = options.argv;
  plan.env_strings = ChildEnvironment(options);
  for (std::string& s : plan.argv_strings) plan.argv.push_back(s.data());
  plan.argv.push_back(nullptr);
  for (std::string& s : plan.env_strings) plan.envp.push_back(s.data());
  plan.envp.push_back(nullptr);
  absl::StatusOr<int> in = OpenAbove2("/dev/null", O_RDONLY);
  if (!in.ok()) return in.status();
  plan.stdin_fd = *in;
  if (!options.log_path.empty()) {
    absl::StatusOr<int> out =
        OpenAbove2(options.log_path, O_WRONLY | O_CREAT | (options.truncate_log ? O_TRUNC : O_APPEND));
    if (!out.ok()) {
      close(plan.stdin_fd);
      return out.status();
    }
    plan.output_fd = *out;
    plan.close_output_fd = true;
  } else {
    plan.output_fd = options.output_fd;
  }
  rlimit files{};
  plan.max_fd = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
                    ? static_cast<int>(std::min<rlim_t>(files.rlim_cur, 1 << 20))
                    : 1 << 16;
  plan.parent = getpid();
  return plan;
}

void WriteAll(int fd, const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    ssize_t n = write(fd, text, left);
    if (n <= 0) return;
    text += n;
    left -= static_cast<size_t>(n);
  }
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void RunChild(const ChildPlan& plan, const SpawnOptions& options) {
  if (options.group == SpawnOptions::Group::kNewSession) setsid();
  if (options.group == SpawnOptions::Group::kNewProcessGroup) setpgid(0, 0);
  if (options.die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != plan.parent) _exit(1);  // the parent died before prctl took effect
  }
  dup2(plan.stdin_fd, STDIN_FILENO);
  if (plan.output_fd >= 0) {
    dup2(plan.output_fd, STDOUT_FILENO);
    dup2(plan.output_fd, STDERR_FILENO);
  }
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < plan.max_fd; fd++) close(fd);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGXFSZ, SIG_DFL);
  if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) {
    const char* why = strerrordesc_np(errno);
    WriteAll(STDERR_FILENO, "photon: cannot enter the working directory ");
    WriteAll(STDERR_FILENO, options.cwd.c_str());
    WriteAll(STDERR_FILENO, ": ");
    WriteAll(STDERR_FILENO, why != nullptr ? why : "unknown error");
    WriteAll(STDERR_FILENO, "\n");
    _exit(127);
  }
  if (options.search_path) {
    execvpe(plan.argv[0], plan.argv.data(), plan.envp.data());
  } else {
    execve(plan.argv[0], plan.argv.data(), plan.envp.data());
  }
  const char* reason = strerrordesc_np(errno);
  WriteAll(STDERR_FILENO, "photon: cannot exec ");
  WriteAll(STDERR_FILENO, plan.argv[0]);
  WriteAll(STDERR_FILENO, ": ");
  WriteAll(STDERR_FILENO, reason != nullptr ? reason : "unknown error");
  WriteAll(STDERR_FILENO, "\n");
  _exit(127);
}

ExitStatus FromWaitStatus(int status) {
  ExitStatus exit;
  if (WIFEXITED(status)) exit.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit;
}

}  // namespace

absl::StatusOr<pid_t> Spawn(const SpawnOptions& options) {
  absl::StatusOr<ChildPlan> plan = MakePlan(options);
  if (!plan.ok()) return plan.status();
  pid_t pid = fork();
  if (pid == 0) RunChild(*plan, options);
  const int fork_errno = errno;
  close(plan->stdin_fd);
  if (plan->close_output_fd) close(plan->output_fd);
  if (pid < 0) {
    return absl::ResourceExhaustedError(
        absl::StrCat("cannot fork to start ", options.argv[0], ": ", std::strerror(fork_errno)));
  }
  return pid;
}

std::string ExitStatus::ToString() const {
  if (signal > 0) return absl::StrCat("killed by signal ", signal);
  if (exit_code >= 0) return absl::StrCat("exit code ", exit_code);
  return "exited";
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat_file, content)) return false;
  // "pid (comm) state ...": comm may hold spaces and parentheses.
  size_t close_paren = content.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= content.size()) return false;
  char state = content[close_paren + 2];
  return state != 'Z' && state != 'X';
}

std::optional<ExitStatus> ReapIfExited(pid_t pid) {
  if (pid <= 0) return ExitStatus{};
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return FromWaitStatus(status);
  if (r == 0 || ProcessAlive(pid)) return std::nullopt;
  return ExitStatus{};
}

ExitStatus WaitForExit(pid_t pid) {
  if (pid <= 0) return ExitStatus{};
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r == pid) return FromWaitStatus(status);
  // Not our child: all we can do is watch it go.
  while (ProcessAlive(pid)) std::this_thread::sleep_for(kPollInterval);
  return ExitStatus{};
}

int TerminateAll(const std::vector<pid_t>& pids, std::chrono::milliseconds grace) {
  for (pid_t pid : pids) {
    if (pid > 0) kill(pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (true) {
    bool any = false;
    for (pid_t pid : pids) any = !ReapIfExited(pid).has_value() || any;
    if (!any) return 0;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollInterval);
  }
  int killed = 0;
  for (pid_t pid : pids) {
    if (ProcessAlive(pid)) {
      kill(pid, SIGKILL);
      killed++;
    }
  }
  // Our children are reaped; others are gone once SIGKILL lands.
  for (pid_t pid : pids) {
    while (pid > 0 && waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  return killed;
}

std::string TailOfFile(const std::string& path, int max_lines) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
    if (static_cast<int>(lines.size()) > max_lines) lines.pop_front();
  }
  std::string out;
  for (const std::string& l : lines) absl::StrAppend(&out, l, "\n");
  return out;
}

}  // namespace photon
