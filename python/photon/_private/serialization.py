"""Values <-> pickles: pickle protocol 5 with out-of-band buffers.

A value is pickled into (in-band pickle, [raw out-of-band buffers]); the core
frames the two into an object's bytes (python/photon/_core/object_framing.h,
the one definition of the format) for puts, task arguments and results.
Deserializing slices one memoryview of the object where
photon._core.frame_layout says the parts are, so a NumPy array read from the
shared-memory store is a read-only view of it, and the view keeps the object
pinned while it lives. ObjectRefs inside a value are noted while it is
pickled (the task borrows them).
"""

import pickle
import threading

import cloudpickle

from photon import _core
from photon._private.state import state

_local = threading.local()


class _Collected:
    """Collects, in `ids`, the object ids noted under `slot` on this thread
    inside it (a with-block; blocks nest)."""
    slot = None

    def __enter__(self):
        self.ids = []
        self._outer = getattr(_local, self.slot, None)
        setattr(_local, self.slot, self.ids)
        return self

    def __exit__(self, *exc):
        setattr(_local, self.slot, self._outer)
        return False


def _note(slot, object_id):
    ids = getattr(_local, slot, None)
    if ids is not None:
        ids.append(object_id)


class NestedRefs(_Collected):
    """Collects the ids of ObjectRefs pickled inside it."""
    slot = "nested"


def note_nested_ref(object_id):
    _note("nested", object_id)


def _dumps(value, buffers):
    try:
        return pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    except (pickle.PicklingError, TypeError, AttributeError):
        # Lambdas, local classes and functions defined in __main__.
        del buffers[:]
        return cloudpickle.dumps(value, protocol=5, buffer_callback=buffers.append)


def pickle_with_refs(value):
    """(in-band pickle, buffers, ids of the ObjectRefs inside) of `value`
    (a put value, or a task's result)."""
    with NestedRefs() as nested:
        inband, raws = pickle_with_buffers(value)
    return inband, raws, nested.ids


def pickle_with_buffers(value):
    """(in-band pickle, [raw out-of-band buffers]) of `value`."""
    buffers = []
    inband = _dumps(value, buffers)
    raws = []
    for b in buffers:
        try:
            raws.append(b.raw())
        except BufferError:  # not contiguous: copy it once
            raws.append(memoryview(bytes(b)))
    return inband, raws


def pickle_result(value, core):
    """(in-band pickle, buffers, ids of the ObjectRefs inside) of a task's
    result. Each of those references gets a local reference here, which the
    core takes over once the caller has them (the ObjectRefs themselves go
    with the value when the task returns)."""
    inband, raws, ids = pickle_with_refs(value)
    for object_id in ids:
        core.add_local_reference(object_id)
    return inband, raws, ids


class NewBorrows(_Collected):
    """Collects the ids of ObjectRefs new to this process that are
    unpickled inside it: the caller borrows them from their owners before
    it lets go of the value that held them."""
    slot = "borrows"


def note_new_borrow(object_id):
    _note("borrows", object_id)


def deserialize(data):
    """The value in `data` (a framed object: bytes or a photon._core.Buffer).
    ObjectRefs inside it that are new here are borrowed from their owners
    before this returns."""
    view = memoryview(data)
    inband_offset, inband_size, buffers = _core.frame_layout(view)
    inband = view[inband_offset:inband_offset + inband_size]
    with NewBorrows() as borrows:
        if not buffers:
            value = pickle.loads(inband)
        else:
            value = pickle.loads(inband, buffers=[view[offset:offset + size] for offset, size in buffers])
    if borrows.ids and state.core is not None:
        state.core.borrow_from_owners(borrows.ids)
    return value


def dumps_function(fn):
    return cloudpickle.dumps(fn, protocol=5)


def loads_function(blob):
    return pickle.loads(blob)
