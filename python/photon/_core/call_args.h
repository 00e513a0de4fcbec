#pragma once
// CallArgs: a call's arguments as Python hands them over, in the core's form.
//
// Each is (True, object id) for an ObjectRef passed as itself, or (False,
// pickle, [buffers], [ids of ObjectRefs pickled inside]). A value is framed
// here (object_framing.h); one framed over the inline limit, with no
// references inside, is put in the object store and passed by reference,
// and that put's reference is held until the call took its own (the end
// of the CallArgs' life).
//
//   CallArgs args(cw, py_args);                     // GIL held
//   ids = WithoutGil([&] { return cw.tasks().Submit(name, args.Take(), options); });
//
// Construct and destroy with the GIL held.
#include <vector>

#include "core/core_worker/core_worker.h"
#include "python/photon/_core/bind.h"

namespace photon {
namespace python {

class CallArgs {
 public:
  CallArgs(CoreWorker& cw, const py::list& args);
  ~CallArgs();
  CallArgs(const CallArgs&) = delete;
  CallArgs& operator=(const CallArgs&) = delete;

  // The arguments (once).
  std::vector<core::TaskArg> Take() { return std::move(args_); }

 private:
  core::TaskArg ByValue(const py::tuple& arg);

  CoreWorker& cw_;
  std::vector<core::TaskArg> args_;
  std::vector<ObjectID> puts_;
};

}  // namespace python
}  // namespace photon
