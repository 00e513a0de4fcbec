"""Values <-> bytes: pickle protocol 5 with out-of-band buffers.

An object's bytes are a header, the in-band pickle, then each out-of-band
buffer at a 64-byte aligned offset:

    "PHO1" | u32 buffer count | u64 in-band length | (u64 offset, u64 length) per buffer

Deserializing slices one memoryview of the object, so a NumPy array read from
the shared-memory store is a read-only view of it, and the view keeps the
object pinned while it lives. ObjectRefs inside a value are noted while it is
pickled (the task borrows them).
"""

import pickle
import struct
import threading

import cloudpickle

MAGIC = b"PHO1"
_HEAD = struct.Struct("<4sIQ")
_ENTRY = struct.Struct("<QQ")
_ALIGN = 64
_PADDING = bytes(_ALIGN)

_local = threading.local()


class NestedRefs:
    """Collects the ids of ObjectRefs pickled inside it (a with-block)."""

    def __enter__(self):
        self.ids = []
        self._outer = getattr(_local, "nested", None)
        _local.nested = self.ids
        return self

    def __exit__(self, *exc):
        _local.nested = self._outer
        return False


def note_nested_ref(object_id):
    ids = getattr(_local, "nested", None)
    if ids is not None:
        ids.append(object_id)


def _dumps(value, buffers):
    try:
        return pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
    except (pickle.PicklingError, TypeError, AttributeError):
        # Lambdas, local classes and functions defined in __main__.
        del buffers[:]
        return cloudpickle.dumps(value, protocol=5, buffer_callback=buffers.append)


def header(inband_len):
    """The header of an object with no out-of-band buffers."""
    return _HEAD.pack(MAGIC, 0, inband_len)


def serialize(value):
    """The parts (a list of buffers, written one after another) of `value`."""
    inband, raws = pickle_with_buffers(value)
    if not raws:
        return [header(len(inband)), inband]
    offset = _HEAD.size + _ENTRY.size * len(raws) + len(inband)
    entries = []
    body = [inband]
    for raw in raws:
        pad = -offset % _ALIGN
        if pad:
            body.append(_PADDING[:pad])
            offset += pad
        entries.append(_ENTRY.pack(offset, raw.nbytes))
        body.append(raw)
        offset += raw.nbytes
    head = _HEAD.pack(MAGIC, len(raws), len(inband)) + b"".join(entries)
    return [head] + body


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


def serialize_to_bytes(value):
    return b"".join(bytes(p) if not isinstance(p, bytes) else p for p in serialize(value))


def deserialize(data):
    """The value in `data` (bytes or a photon._core.Buffer)."""
    view = memoryview(data)
    if len(view) < _HEAD.size:
        raise ValueError(f"not a Photon object: {len(view)} bytes")
    magic, count, inband_len = _HEAD.unpack_from(view, 0)
    if magic != MAGIC:
        raise ValueError("not a Photon Python object (was it written by a C++ task?)")
    start = _HEAD.size + _ENTRY.size * count
    inband = view[start:start + inband_len]
    if count == 0:
        return pickle.loads(inband)
    buffers = []
    for i in range(count):
        offset, length = _ENTRY.unpack_from(view, _HEAD.size + _ENTRY.size * i)
        buffers.append(view[offset:offset + length])
    return pickle.loads(inband, buffers=buffers)


def dumps_function(fn):
    return cloudpickle.dumps(fn, protocol=5)


def loads_function(blob):
    return pickle.loads(blob)
