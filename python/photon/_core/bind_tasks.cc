// Worker methods for normal tasks: submit (with a photon._core.TaskOptions)
// and cancel; as_task, for what an async actor's coroutine submits.
#include "core/core_worker/current_task.h"
#include "python/photon/_core/bind.h"
#include "python/photon/_core/call_args.h"

namespace photon {
namespace python {

void BindTasks(WorkerClass& w) {
  w.def("submit_task",
        [](PyWorker& self, const std::string& function, const py::list& args, const core::TaskOptions& options) {
          CoreWorker& cw = self.Get();
          CallArgs call(cw, args);
          return ObjectIdList(WithoutGil([&] { return cw.tasks().Submit(function, call.Take(), options); }));
        })
      .def("cancel", [](PyWorker& self, const py::bytes& id, bool force, bool recursive) {
        // False when the task already finished.
        CoreWorker& cw = self.Get();
        const ObjectID object = IdFromBytes<ObjectID>(id, "object id");
        absl::Status s;
        {
          py::gil_scoped_release release;  // (the core's loop may need the GIL meanwhile)
          s = cw.tasks().Cancel(object, force, recursive);
        }
        if (!s.ok() && s.code() != absl::StatusCode::kNotFound) RaiseStatus(s);
        return s.ok();
      })
      // fn(*args) with task `task` current on this thread (the parent of
      // what fn submits): coroutines of one loop share its thread.
      .def("as_task", [](PyWorker&, const py::bytes& task, int depth, const py::function& fn, const py::args& args) {
        core::CurrentTaskScope running(IdFromBytes<TaskID>(task, "task id"), depth);
        return fn(*args);
      });
}

}  // namespace python
}  // namespace photon
