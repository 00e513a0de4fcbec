// Worker methods for objects: put (a pickle and its buffers, framed straight
// into shared memory when large), get (photon._core.Buffer views, read in
// place from the store), wait, and the references Python's ObjectRefs hold.
// IDs are bytes.
#include "core/core_worker/errors.h"
#include "python/photon/_core/bind.h"
#include "python/photon/_core/buffer.h"
#include "python/photon/_core/pickled_value.h"

namespace photon {
namespace python {

std::vector<ObjectID> ObjectIdsFromList(const py::list& ids) {
  std::vector<ObjectID> out;
  out.reserve(ids.size());
  for (const py::handle& id : ids) out.push_back(IdFromBytes<ObjectID>(py::reinterpret_borrow<py::bytes>(id), "object id"));
  return out;
}

py::list ObjectIdList(const std::vector<ObjectID>& ids) {
  py::list out;
  for (const ObjectID& id : ids) out.append(py::bytes(id.Binary()));
  return out;
}

namespace {

using core::ObjectCalls;

// `contained`: the ids of the ObjectRefs pickled inside the value; they
// live as long as it does.
py::bytes Put(PyWorker& self, const py::buffer& inband, const py::list& buffers, const py::list& contained) {
  CoreWorker& cw = self.Get();
  PickledValue value(inband, buffers);
  const std::vector<ObjectID> inner = ObjectIdsFromList(contained);
  const ObjectID id = WithoutGil([&] {
    return cw.objects().PutWith(static_cast<int64_t>(value.MaxFramedSize()),
                                [&value](char* out) { value.WriteTo(out); });
  });
  cw.objects().NoteContained(id, inner);
  return py::bytes(id.Binary());
}

// Lets a signal handler run while a get or wait waits (Ctrl-C raises
// KeyboardInterrupt): Python runs handlers on the main thread only, between
// bytecodes, so the wait stops every ObjectCalls::kInterruptPeriod to let it.
absl::Status RunSignalHandlers() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() == 0) return absl::OkStatus();
  return absl::CancelledError("interrupted by a signal");  // the handler's exception is set
}

bool OnMainThread() {
  static const unsigned long main_thread =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  return PyThread_get_thread_ident() == main_thread;
}

// Runs `call(core worker, interrupt)`, a get or wait, without the GIL and
// interruptible on the main thread; the core worker lives until the call
// returns even if another thread shuts down meanwhile. Returns its value, or
// raises: the exception a signal handler raised wins over the call's error.
template <typename Call>
auto InterruptibleCall(PyWorker& self, Call&& call) {
  std::shared_ptr<CoreWorker> cw = self.Hold();
  const ObjectCalls::Interrupt interrupt = OnMainThread() ? RunSignalHandlers : ObjectCalls::Interrupt();
  decltype(call(*cw, interrupt)) result;
  {
    py::gil_scoped_release release;
    result = call(*cw, interrupt);
    cw.reset();  // (the last holder destroys it here, without the GIL)
  }
  if (!result.ok() && PyErr_Occurred() != nullptr) throw py::error_already_set();
  return ValueOrRaise(std::move(result));
}

py::list Get(PyWorker& self, const py::list& ids, int64_t timeout_ms) {
  const std::vector<ObjectID> object_ids = ObjectIdsFromList(ids);
  std::vector<std::shared_ptr<const StoredObject>> values =
      InterruptibleCall(self, [&](CoreWorker& cw, const ObjectCalls::Interrupt& interrupt) {
        return cw.objects().Get(object_ids, std::chrono::milliseconds(timeout_ms), interrupt);
      });
  py::list out;
  for (auto& v : values) out.append(std::make_shared<Buffer>(Buffer{std::move(v)}));
  return out;
}

std::vector<bool> Wait(PyWorker& self, const py::list& ids, int num_returns, int64_t timeout_ms) {
  const std::vector<ObjectID> object_ids = ObjectIdsFromList(ids);
  return InterruptibleCall(self, [&](CoreWorker& cw, const ObjectCalls::Interrupt& interrupt) {
    return cw.objects().Wait(object_ids, num_returns, std::chrono::milliseconds(timeout_ms), interrupt);
  });
}

}  // namespace

void BindObjects(WorkerClass& w) {
  w.def("put", &Put, py::arg("inband"), py::arg("buffers"), py::arg("contained") = py::list())
      .def("create_pending", [](PyWorker& self) { return py::bytes(ValueOrRaise(self.Get().objects().CreatePending()).Binary()); })
      .def("fulfill",
           [](PyWorker& self, const py::bytes& id, const py::buffer& inband, const py::list& buffers) {
             std::string data = PickledValue(inband, buffers).Framed();
             ValueOrRaise(self.Get().objects().Fulfill(IdFromBytes<ObjectID>(id, "object id"), std::move(data)));
           })
      .def("fail_pending",
           [](PyWorker& self, const py::bytes& id, const std::string& kind, const std::string& message) {
             std::optional<core::ErrorKind> k = core::ErrorKindFromName(kind);
             if (!k) throw py::value_error("fail_pending: unknown error kind " + kind);
             ValueOrRaise(self.Get().objects().FailPending(IdFromBytes<ObjectID>(id, "object id"), *k, message));
           })
      .def("get", &Get)
      .def("when_ready",
           [](PyWorker& self, const py::bytes& id, py::object ready) {
             // Called (with the GIL) once the object is here; the core may
             // drop it unrun at shutdown, in a thread that holds no GIL.
             std::shared_ptr<py::object> callback(new py::object(std::move(ready)), [](py::object* p) {
               py::gil_scoped_acquire gil;
               delete p;
             });
             ValueOrRaise(self.Get().objects().OnReady(IdFromBytes<ObjectID>(id, "object id"), [callback] {
               py::gil_scoped_acquire gil;
               try {
                 (*callback)();
               } catch (py::error_already_set& e) {
                 e.discard_as_unraisable("photon: an ObjectRef's ready callback");
               }
             }));
           })
      .def("wait", &Wait)
      .def("num_references", [](PyWorker& self) { return self.Get().objects().NumReferences(); })
      .def("add_local_reference",
           [](PyWorker& self, const py::bytes& id) {
             if (self.cw) self.cw->objects().AddLocalReference(IdFromBytes<ObjectID>(id, "object id"));
           })
      .def("remove_local_reference",
           [](PyWorker& self, const py::bytes& id) {
             if (self.cw) self.cw->objects().RemoveLocalReference(IdFromBytes<ObjectID>(id, "object id"));
           })
      .def("owner_of",
           [](PyWorker& self, const py::bytes& id) -> py::object {
             std::optional<rpc::Address> owner = self.Get().objects().OwnerOf(IdFromBytes<ObjectID>(id, "object id"));
             if (!owner) return py::none();
             return py::bytes(owner->SerializeAsString());
           })
      .def("add_borrowed_reference",
           [](PyWorker& self, const py::bytes& id, const py::bytes& owner) {
             rpc::Address address;
             if (!address.ParseFromString(std::string(owner))) throw py::value_error("bad owner address");
             return self.Get().objects().AddBorrowedReference(IdFromBytes<ObjectID>(id, "object id"), address) ==
                    ObjectCalls::Hold::kNew;
           })
      .def("borrow_from_owners", [](PyWorker& self, const py::list& ids) {
        std::vector<ObjectID> object_ids = ObjectIdsFromList(ids);
        std::shared_ptr<CoreWorker> cw = self.Hold();
        py::gil_scoped_release release;
        cw->objects().BorrowFromOwners(std::move(object_ids));
        cw.reset();  // (the last holder destroys it here, without the GIL)
      });
}

}  // namespace python
}  // namespace photon
