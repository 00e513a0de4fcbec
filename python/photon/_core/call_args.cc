#include "python/photon/_core/call_args.h"

#include "python/photon/_core/pickled_value.h"

namespace photon {
namespace python {

CallArgs::CallArgs(CoreWorker& cw, const py::list& args) : cw_(cw) {
  args_.reserve(args.size());
  for (const py::handle& item : args) {
    py::tuple arg = py::reinterpret_borrow<py::tuple>(item);
    if (arg[0].cast<bool>()) {
      args_.push_back(core::TaskArg::ByRef(IdFromBytes<ObjectID>(arg[1].cast<py::bytes>(), "argument object id")));
    } else {
      args_.push_back(ByValue(arg));
    }
  }
}

core::TaskArg CallArgs::ByValue(const py::tuple& arg) {
  std::string framed = PickledValue(arg[1].cast<py::buffer>(), arg[2].cast<py::list>()).Framed();
  std::vector<ObjectID> nested = ObjectIdsFromList(arg[3].cast<py::list>());
  if (static_cast<int64_t>(framed.size()) <= core::kMaxInlineBytes || !nested.empty()) {
    return core::TaskArg::ByValue(std::move(framed), std::move(nested));
  }
  const ObjectID id = WithoutGil([&] { return cw_.objects().Put(framed); });
  puts_.push_back(id);
  return core::TaskArg::ByRef(id);
}

CallArgs::~CallArgs() {
  for (const ObjectID& id : puts_) cw_.objects().RemoveLocalReference(id);
}

}  // namespace python
}  // namespace photon
