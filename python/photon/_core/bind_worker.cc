// photon._core.Worker: starting a driver's or a worker's core worker, the
// worker's task loop, and shutdown. The other areas add their methods to
// the same class (bind_objects.cc, bind_tasks.cc, ...).
#include "absl/strings/str_cat.h"
#include "core/common/logging.h"
#include "core/core_worker/worker_environment.h"
#include "python/photon/_core/bind.h"
#include "python/photon/_core/buffer.h"
#include "python/photon/_core/pickled_value.h"

namespace photon {
namespace python {
namespace {

// What a Python worker's execute(info, args) is told of its task.
py::tuple TaskInfo(const rpc::TaskSpec& spec) {
  py::dict resources;
  for (const auto& [name, amount] : spec.resources().amounts()) resources[py::str(name)] = amount;
  py::list gpu_ids;
  for (int g : spec.gpu_ids()) gpu_ids.append(g);
  return py::make_tuple(spec.function_name(), py::bytes(spec.task_id()), py::bytes(spec.actor_id()),
                        spec.actor_creation(), spec.num_returns(), spec.attempt(), resources, gpu_ids,
                        spec.max_concurrency(), spec.depth());
}

// What a Python execute returned: (True, [(pickle, [buffers], [ids of the
// references inside, each held by a local reference the executor takes
// over]) per return]) or (False, traceback text, pickled exception[,
// retryable[, cancelled]]). Needs the GIL.
absl::StatusOr<std::vector<core::TaskResult>> ResultsOf(const py::tuple& outcome) {
  if (!outcome[0].cast<bool>()) {
    if (outcome.size() > 4 && outcome[4].cast<bool>()) return absl::CancelledError(outcome[1].cast<std::string>());
    absl::Status error =
        core::WithErrorValue(absl::UnknownError(outcome[1].cast<std::string>()), outcome[2].cast<std::string>());
    if (outcome.size() > 3 && !outcome[3].cast<bool>()) error = core::NotRetryable(std::move(error));
    return error;
  }
  std::vector<core::TaskResult> results;
  for (const py::handle& result : outcome[1].cast<py::list>()) {
    py::tuple pickled = py::reinterpret_borrow<py::tuple>(result);
    core::TaskResult r(PickledValue(pickled[0].cast<py::buffer>(), pickled[1].cast<py::list>()).Framed());
    if (pickled.size() > 2) r.nested_refs = ObjectIdsFromList(pickled[2].cast<py::list>());
    results.push_back(std::move(r));
  }
  return results;
}

py::list ArgBuffers(const core::TaskArgValues& values) {
  py::list args;
  for (const auto& v : values) args.append(std::make_shared<Buffer>(Buffer{v}));
  return args;
}

absl::Status Failed(const py::error_already_set& e) {
  return absl::InternalError(absl::StrCat("the Python worker failed to run the task: ", e.what()));
}

// The execute callback of a Python worker: calls `execute(info, args)` with
// the GIL.
core::CoreWorkerOptions::Execute MakeExecute(PyObject* execute) {
  return [execute](const rpc::TaskSpec& spec,
                   const core::TaskArgValues& values) -> absl::StatusOr<std::vector<core::TaskResult>> {
    py::gil_scoped_acquire gil;
    try {
      return ResultsOf(py::reinterpret_borrow<py::object>(execute)(TaskInfo(spec), ArgBuffers(values)).cast<py::tuple>());
    } catch (py::error_already_set& e) {
      return Failed(e);
    }
  };
}

// An async actor's: `start(info, args, done)` schedules the call on the
// actor's loop and returns True; the loop calls done(outcome) when it ends.
core::CoreWorkerOptions::ExecuteAsync MakeExecuteAsync(PyObject* start) {
  return [start](const rpc::TaskSpec& spec, const core::TaskArgValues& values,
                 core::CoreWorkerOptions::ResultsDone done) -> bool {
    py::gil_scoped_acquire gil;
    auto finish = std::make_shared<core::CoreWorkerOptions::ResultsDone>(std::move(done));
    py::cpp_function on_done([finish](const py::tuple& outcome) {
      absl::StatusOr<std::vector<core::TaskResult>> results;
      try {
        results = ResultsOf(outcome);
      } catch (py::error_already_set& e) {
        results = Failed(e);
      }
      py::gil_scoped_release release;
      (*finish)(std::move(results));
    });
    try {
      return py::reinterpret_borrow<py::object>(start)(TaskInfo(spec), ArgBuffers(values), on_done).cast<bool>();
    } catch (py::error_already_set& e) {
      PHOTON_LOG(WARNING) << "an async actor call could not start on its loop (a thread runs it): " << e.what();
      return false;
    }
  };
}

std::shared_ptr<PyWorker> StartCoreWorker(core::CoreWorkerOptions options) {
  auto out = std::make_shared<PyWorker>();
  out->cw = WithoutGil([&] { return CoreWorker::Start(std::move(options)); });
  return out;
}

std::shared_ptr<PyWorker> StartDriver(const std::string& gcs_address, const std::string& token,
                                      const std::string& node_ip, const std::string& namespace_name,
                                      const std::vector<std::string>& worker_command, const std::string& entrypoint,
                                      bool log_to_driver) {
  core::CoreWorkerOptions options;
  options.is_driver = true;
  options.gcs_address = gcs_address;
  options.token = token;
  options.node_ip = node_ip;
  options.namespace_name = namespace_name;
  options.worker_command = worker_command;
  options.entrypoint = entrypoint;
  options.log_to_driver = log_to_driver;
  return StartCoreWorker(std::move(options));
}

std::shared_ptr<PyWorker> StartWorker(py::object execute, const std::vector<std::string>& worker_command) {
  core::CoreWorkerOptions options = ValueOrRaise(core::WorkerOptionsFromEnvironment());
  options.worker_command = worker_command;
  PyObject* callable = execute.release().ptr();  // kept for the process's life
  options.execute = MakeExecute(callable);
  return StartCoreWorker(std::move(options));
}

}  // namespace

WorkerClass BindWorker(py::module_& m) {
  WorkerClass w(m, "Worker");
  w.def_static("start_driver", &StartDriver, py::arg("gcs_address"), py::arg("token"),
               py::arg("node_ip") = "127.0.0.1", py::arg("namespace") = "",
               py::arg("worker_command") = std::vector<std::string>(), py::arg("entrypoint") = "",
               py::arg("log_to_driver") = true)
      .def_static("start_worker", &StartWorker)
      .def("run_task_loop",
           [](PyWorker& self) {
             CoreWorker& cw = self.Get();
             py::gil_scoped_release release;
             cw.RunTaskLoop();
           })
      .def("set_async_executor",
           [](PyWorker& self, py::object start, py::object cancel) {
             // Both kept for the process's life.
             PyObject* cancel_fn = cancel.release().ptr();
             self.Get().executor().SetExecuteAsync(MakeExecuteAsync(start.release().ptr()),
                                                   [cancel_fn](const std::string& task_id) {
                                                     py::gil_scoped_acquire gil;
                                                     try {
                                                       return py::reinterpret_borrow<py::object>(cancel_fn)(
                                                                  py::bytes(task_id))
                                                           .cast<bool>();
                                                     } catch (py::error_already_set& e) {
                                                       return false;
                                                     }
                                                   },
                                                   [](const std::function<void()>& fn) {
                                                     py::gil_scoped_acquire gil;
                                                     fn();
                                                   });
           })
      .def("shutdown", [](PyWorker& self) {
        if (!self.cw) return;
        std::shared_ptr<CoreWorker> cw = std::move(self.cw);
        py::gil_scoped_release release;
        cw->Shutdown();
        cw.reset();
      });
  return w;
}

}  // namespace python
}  // namespace photon
