#include "core/common/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "gtest/gtest.h"

namespace photon {
namespace {

using std::chrono::milliseconds;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Runs `options` to completion; returns what it wrote to its log.
std::string RunToLog(SpawnOptions options, const std::string& log_name, ExitStatus* exit = nullptr) {
  options.log_path = TempPath(log_name);
  absl::StatusOr<pid_t> pid = Spawn(options);
  EXPECT_TRUE(pid.ok()) << pid.status();
  if (!pid.ok()) return "";
  ExitStatus status = WaitForExit(*pid);
  if (exit != nullptr) *exit = status;
  return ReadFile(options.log_path);
}

bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); i++) std::this_thread::sleep_for(milliseconds(10));
  return done();
}

TEST(SpawnTest, AppendsStdoutAndStderrToTheLog) {
  WriteFile(TempPath("append.log"), "before\n");
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "echo out; echo err >&2"};
  EXPECT_EQ(RunToLog(options, "append.log"), "before\nout\nerr\n");
}

TEST(SpawnTest, TruncateLogEmptiesItFirst) {
  WriteFile(TempPath("truncate.log"), "before\n");
  SpawnOptions options;
  options.argv = {"/bin/echo", "after"};
  options.truncate_log = true;
  EXPECT_EQ(RunToLog(options, "truncate.log"), "after\n");
}

TEST(SpawnTest, EnvironmentReachesTheChild) {
  setenv("PHOTON_PROCESS_TEST_INHERITED", "kept", 1);
  setenv("PHOTON_PROCESS_TEST_REPLACED", "old", 1);
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "echo $PHOTON_PROCESS_TEST_INHERITED $PHOTON_PROCESS_TEST_REPLACED"};
  options.env = {{"PHOTON_PROCESS_TEST_REPLACED", "new"}};
  EXPECT_EQ(RunToLog(options, "env.log"), "kept new\n");

  options.argv = {"/usr/bin/env"};
  options.env = {{"ONLY", "this"}};
  options.inherit_environment = false;
  EXPECT_EQ(RunToLog(options, "env-only.log"), "ONLY=this\n");
}

TEST(SpawnTest, CwdIsTheChildsWorkingDirectory) {
  SpawnOptions options;
  options.argv = {"/bin/pwd"};
  options.cwd = "/usr/share";
  EXPECT_EQ(RunToLog(options, "cwd.log"), "/usr/share\n");

  options.cwd = "/no/such/dir";
  ExitStatus exit;
  EXPECT_EQ(RunToLog(options, "cwd-missing.log", &exit),
            "photon: cannot enter the working directory /no/such/dir: No such file or directory\n");
  EXPECT_EQ(exit.exit_code, 127);
}

TEST(SpawnTest, StdinIsDevNullAndParentDescriptorsAreClosed) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);  // not close-on-exec: only Spawn keeps it from the child
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c",
                  "cat; echo read-eof; test -e /proc/self/fd/" + std::to_string(fds[1]) + " && echo leaked || echo closed"};
  EXPECT_EQ(RunToLog(options, "fds.log"), "read-eof\nclosed\n");
  close(fds[0]);
  close(fds[1]);
}

TEST(SpawnTest, OutputFdReceivesTheOutput) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "echo to-pipe; echo also >&2"};
  options.output_fd = fds[1];
  absl::StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok()) << pid.status();
  close(fds[1]);
  std::string got;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) got.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  EXPECT_EQ(WaitForExit(*pid).exit_code, 0);
  EXPECT_EQ(got, "to-pipe\nalso\n");
}

TEST(SpawnTest, SearchPathFindsTheProgramOnPath) {
  SpawnOptions options;
  options.argv = {"sh", "-c", "exit 3"};
  options.search_path = true;
  ExitStatus exit;
  RunToLog(options, "path.log", &exit);
  EXPECT_EQ(exit.exit_code, 3);
  EXPECT_EQ(exit.ToString(), "exit code 3");
}

TEST(SpawnTest, AProgramThatCannotRunExits127AndSaysWhy) {
  SpawnOptions options;
  options.argv = {"/nonexistent/photon-nothing"};
  ExitStatus exit;
  std::string log = RunToLog(options, "exec.log", &exit);
  EXPECT_EQ(exit.exit_code, 127);
  EXPECT_EQ(log, "photon: cannot exec /nonexistent/photon-nothing: No such file or directory\n");
}

TEST(SpawnTest, BadArgumentsAndLogsAreErrors) {
  EXPECT_TRUE(absl::IsInvalidArgument(Spawn(SpawnOptions{}).status()));
  SpawnOptions options;
  options.argv = {"/bin/true"};
  options.log_path = "/nonexistent/dir/x.log";
  absl::StatusOr<pid_t> pid = Spawn(options);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("/nonexistent/dir/x.log"), std::string::npos) << pid.status();
}

TEST(SpawnTest, TheChildStartsWithDefaultSignalHandling) {
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old_mask);
  struct sigaction ignore {}, old_pipe {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &old_pipe);
  SpawnOptions options;
  options.argv = {"/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};
  std::string log = RunToLog(options, "signals.log");
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  EXPECT_NE(log.find("SigBlk:\t0000000000000000\n"), std::string::npos) << log;
  size_t at = log.find("SigIgn:\t");
  ASSERT_NE(at, std::string::npos) << log;
  const uint64_t ignored = std::stoull(log.substr(at + 8, 16), nullptr, 16);
  EXPECT_EQ(ignored & (uint64_t{1} << (SIGPIPE - 1)), 0u) << log;
}

TEST(SpawnTest, NewSessionAndNewProcessGroup) {
  SpawnOptions options;
  options.argv = {"/bin/sleep", "1000"};
  options.group = SpawnOptions::Group::kNewSession;
  absl::StatusOr<pid_t> daemon = Spawn(options);
  options.group = SpawnOptions::Group::kNewProcessGroup;
  absl::StatusOr<pid_t> grouped = Spawn(options);
  ASSERT_TRUE(daemon.ok() && grouped.ok());
  EXPECT_TRUE(Eventually([&] { return getsid(*daemon) == *daemon; }));
  EXPECT_TRUE(Eventually([&] { return getpgid(*grouped) == *grouped; }));
  EXPECT_NE(getsid(*grouped), *grouped);
  TerminateAll({*daemon, *grouped}, milliseconds(2000));
}

// Forks a short-lived parent that spawns `sleep` and exits; returns the
// sleep's pid (now an orphan).
pid_t SpawnFromADyingParent(bool die_with_parent) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t parent = fork();
  if (parent == 0) {
    SpawnOptions options;
    options.argv = {"/bin/sleep", "1000"};
    options.die_with_parent = die_with_parent;
    absl::StatusOr<pid_t> child = Spawn(options);
    pid_t pid = child.ok() ? *child : -1;
    (void)!write(fds[1], &pid, sizeof(pid));
    _exit(0);
  }
  close(fds[1]);
  pid_t child = -1;
  if (read(fds[0], &child, sizeof(child)) != sizeof(child)) child = -1;
  close(fds[0]);
  waitpid(parent, nullptr, 0);
  return child;
}

TEST(SpawnTest, DieWithParentKillsTheChildWhenItsParentGoes) {
  pid_t orphan = SpawnFromADyingParent(true);
  ASSERT_GT(orphan, 0);
  EXPECT_TRUE(Eventually([&] { return !ProcessAlive(orphan); }));

  pid_t survivor = SpawnFromADyingParent(false);
  ASSERT_GT(survivor, 0);
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(ProcessAlive(survivor));
  kill(survivor, SIGKILL);
}

TEST(ProcessTest, ReapIfExitedSaysHowItEnded) {
  SpawnOptions options;
  options.argv = {"/bin/sleep", "1000"};
  absl::StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok());
  EXPECT_TRUE(ProcessAlive(*pid));
  EXPECT_FALSE(ReapIfExited(*pid).has_value());
  kill(*pid, SIGKILL);
  std::optional<ExitStatus> exit;
  for (int i = 0; i < 500 && !exit; i++) {
    exit = ReapIfExited(*pid);
    if (!exit) std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_EQ(exit->ToString(), "killed by signal 9");
  EXPECT_FALSE(ProcessAlive(*pid));
  EXPECT_EQ(ExitStatus{}.ToString(), "exited");
}

TEST(ProcessTest, TerminateAllStopsWithSigtermWhenThatIsEnough) {
  SpawnOptions options;
  options.argv = {"/bin/sleep", "1000"};
  absl::StatusOr<pid_t> a = Spawn(options), b = Spawn(options);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(TerminateAll({*a, *b, -1, 0}, milliseconds(5000)), 0);
  EXPECT_FALSE(ProcessAlive(*a));
  EXPECT_FALSE(ProcessAlive(*b));
}

TEST(ProcessTest, TerminateAllEscalatesToSigkill) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "trap '' TERM; echo ready; exec sleep 1000"};
  options.log_path = TempPath("stubborn.log");
  absl::StatusOr<pid_t> pid = Spawn(options);
  ASSERT_TRUE(pid.ok());
  ASSERT_TRUE(Eventually([&] { return ReadFile(options.log_path) == "ready\n"; }));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(TerminateAll({*pid}, milliseconds(300)), 1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(300));
  EXPECT_FALSE(ProcessAlive(*pid));
  // Reaped: no zombie is left.
  EXPECT_EQ(waitpid(*pid, nullptr, WNOHANG), -1);
}

TEST(ProcessTest, TailOfFileKeepsTheLastLines) {
  WriteFile(TempPath("tail.log"), "1\n2\n3\n4\n");
  EXPECT_EQ(TailOfFile(TempPath("tail.log"), 2), "3\n4\n");
  EXPECT_EQ(TailOfFile(TempPath("tail.log"), 10), "1\n2\n3\n4\n");
  EXPECT_EQ(TailOfFile(TempPath("missing.log"), 2), "");
}

}  // namespace
}  // namespace photon
