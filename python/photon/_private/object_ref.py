"""ObjectRef: a reference to an object in the cluster.

Each ObjectRef holds one local reference in the core worker, dropped when it
is garbage collected; the object is freed everywhere once nobody holds it.
Pickled inside a value, it carries its owner's address, and the process that
unpickles it borrows the object from that owner.
"""

import asyncio
import concurrent.futures

from photon._private import serialization
from photon._private.state import state


class ObjectRef:
    __slots__ = ("_id", "__weakref__")

    def __init__(self, object_id):
        # Adopts one local reference already taken for `object_id`.
        self._id = object_id

    def binary(self):
        return self._id

    def hex(self):
        return self._id.hex()

    def __repr__(self):
        return f"ObjectRef({self._id.hex()})"

    def __eq__(self, other):
        return isinstance(other, ObjectRef) and other._id == self._id

    def __hash__(self):
        return hash(self._id)

    def __del__(self):
        core = state.core
        if core is not None:
            try:
                core.remove_local_reference(self._id)
            except Exception:  # interpreter shutting down
                pass

    def __reduce__(self):
        core = state.core
        if core is None:
            raise RuntimeError("an ObjectRef can only be pickled while photon is initialized")
        serialization.note_nested_ref(self._id)
        return (_rebuild, (self._id, core.owner_of(self._id)))

    def future(self):
        """A concurrent.futures.Future for the value. Nothing waits for it
        meanwhile: the core says when the value is here, and a thread of a
        small pool reads it then."""
        core = state.require_core()
        future = concurrent.futures.Future()
        state.pending_futures.add(future)  # failed by shutdown() if still pending

        def read():
            try:
                future.set_result(serialization.deserialize(core.get([self._id], -1)[0]))
            except BaseException as e:  # handed to the future's reader
                _fail(future, e)
            finally:
                state.pending_futures.discard(future)

        def ready():
            try:
                state.executor().submit(read)
            except RuntimeError as e:  # the pool was shut down
                _fail(future, e)

        core.when_ready(self._id, ready)
        return future

    def __await__(self):
        return asyncio.wrap_future(self.future()).__await__()


def _fail(future, error):
    try:
        future.set_exception(error)
    except concurrent.futures.InvalidStateError:  # shutdown() failed it first
        pass


def fail_pending_futures(why):
    """shutdown(): every future() still waiting raises RuntimeError(why)."""
    for future in list(state.pending_futures):
        _fail(future, RuntimeError(why))
    state.pending_futures.clear()


def _rebuild(object_id, owner):
    core = state.core
    if core is None:
        raise RuntimeError("an ObjectRef can only be unpickled while photon is initialized")
    if owner is not None:
        if core.add_borrowed_reference(object_id, owner):
            serialization.note_new_borrow(object_id)
    else:
        core.add_local_reference(object_id)
    return ObjectRef(object_id)
