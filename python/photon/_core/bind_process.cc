// Process plumbing for Python (core/common/process.h, free_port.h,
// binaries.h): finding Photon's binaries with the core's one search order,
// picking a free port, and starting a child with its log, for photon.init's
// local cluster and the test fixtures, so that no Python code forks on its own.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "core/common/binaries.h"
#include "core/common/free_port.h"
#include "core/common/process.h"
#include "python/photon/_core/bind.h"

namespace photon {
namespace python {
namespace {

// A child started by spawn(): the part of subprocess.Popen the fixtures use.
// Thread-compatible (Python calls it with the GIL held).
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}

  pid_t pid() const { return pid_; }
  std::optional<int> returncode() const { return returncode_; }

  // The return code once it has ended (-N: killed by signal N), else None.
  std::optional<int> Poll() {
    if (returncode_.has_value()) return returncode_;
    std::optional<ExitStatus> exited = ReapIfExited(pid_);
    if (exited.has_value()) {
      // Reaped elsewhere (terminate_all), it reads as 0, as with Popen.
      returncode_ = exited->signal > 0 ? -exited->signal : std::max(exited->exit_code, 0);
    }
    return returncode_;
  }

  // Waits up to `timeout_s` (forever when None); the return code, or None
  // when it is still running then.
  std::optional<int> Wait(std::optional<double> timeout_s) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::duration<double>(timeout_s.value_or(0));
    while (!Poll().has_value()) {
      if (timeout_s.has_value() && std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return returncode_;
  }

  // Signals it unless it has been reaped (its pid may be someone else's by then).
  void SendSignal(int signal) {
    if (!returncode_.has_value()) kill(pid_, signal);
  }

 private:
  const pid_t pid_;
  std::optional<int> returncode_;
};

SpawnOptions MakeSpawnOptions(std::vector<std::string> argv, const std::optional<std::string>& log_path,
                              const std::optional<std::map<std::string, std::string>>& env,
                              const std::string& group, bool die_with_parent, bool truncate_log) {
  SpawnOptions options;
  options.argv = std::move(argv);
  options.search_path = true;
  if (env.has_value()) {
    options.env.assign(env->begin(), env->end());
    options.inherit_environment = false;
  }
  options.log_path = log_path.value_or("");
  options.truncate_log = truncate_log;
  if (group == "session") {
    options.group = SpawnOptions::Group::kNewSession;
  } else if (group == "process_group") {
    options.group = SpawnOptions::Group::kNewProcessGroup;
  } else if (!group.empty()) {
    throw py::value_error("group must be '', 'process_group' or 'session', not '" + group + "'");
  }
  options.die_with_parent = die_with_parent;
  return options;
}

}  // namespace

BinarySearch PackageBinarySearch() {
  // .../python/photon/__init__.py: the checkout is two folders above the package.
  const std::string init = py::module_::import("photon").attr("__file__").cast<std::string>();
  BinarySearch search;
  search.source_tree = std::filesystem::path(init).parent_path().parent_path().parent_path().string();
  return search;
}

void BindProcess(py::module_& m) {
  // The path of a Photon program (photon-gcs, photon-raylet, photon) in the
  // core's search order, with this package's checkout as the source tree.
  m.def("find_binary", [](const std::string& name) {
    absl::StatusOr<std::string> path = FindPhotonBinary(name, PackageBinarySearch());
    if (!path.ok()) RaiseStatus(path.status());
    return *path;
  });
  m.def("free_port", [] {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) RaiseStatus(port.status());
    return *port;
  });

  py::class_<Child>(m, "Child")
      .def_property_readonly("pid", &Child::pid)
      .def_property_readonly("returncode", &Child::returncode)
      .def("poll", &Child::Poll)
      .def("wait", &Child::Wait, py::arg("timeout") = py::none(), py::call_guard<py::gil_scoped_release>())
      .def("send_signal", &Child::SendSignal)
      .def("kill", [](Child& c) { c.SendSignal(SIGKILL); });

  // Starts argv (a bare program name is looked up on this process's PATH)
  // with stdin from /dev/null and stdout+stderr appended to `log` (None: this
  // process's); `env` given is the child's whole environment. group: ""
  // (this one's), "process_group" or "session". die_with_parent: SIGKILL it
  // when this thread ends.
  m.def(
      "spawn",
      [](std::vector<std::string> argv, std::optional<std::string> log,
         std::optional<std::map<std::string, std::string>> env, const std::string& group, bool die_with_parent,
         bool truncate_log) {
        SpawnOptions options = MakeSpawnOptions(std::move(argv), log, env, group, die_with_parent, truncate_log);
        absl::StatusOr<pid_t> pid = Spawn(options);
        if (!pid.ok()) RaiseStatus(pid.status());
        return Child(*pid);
      },
      py::arg("argv"), py::arg("log") = py::none(), py::arg("env") = py::none(), py::arg("group") = "",
      py::arg("die_with_parent") = true, py::arg("truncate_log") = false);

  // SIGTERM to each pid, SIGKILL after `grace` seconds to those still there;
  // reaps our children. Returns how many needed SIGKILL.
  m.def(
      "terminate_all",
      [](const std::vector<pid_t>& pids, double grace) {
        return TerminateAll(pids, std::chrono::milliseconds(static_cast<int64_t>(grace * 1000)));
      },
      py::arg("pids"), py::arg("grace"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace python
}  // namespace photon
