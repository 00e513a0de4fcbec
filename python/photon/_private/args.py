"""A call's arguments in the core's form.

Top-level ObjectRefs go by reference (the worker gets their values); other
values are pickled, and a value over 100 KiB is put in the object store and
passed by reference too. Keyword arguments follow the positional ones, then
a tuple of their names; the call's function name then ends in "?kw".
"""

from photon._private import serialization
from photon._private.object_ref import ObjectRef

INLINE_MAX = 100 * 1024
KWARGS_SUFFIX = "?kw"


def _one(core, value, keep):
    if isinstance(value, ObjectRef):
        return (True, value._id)
    with serialization.NestedRefs() as nested:
        parts = serialization.serialize(value)
    if len(parts) == 2:
        data = parts[0] + parts[1]
    else:
        data = b"".join(parts)
    if len(data) > INLINE_MAX and not nested.ids:
        ref = ObjectRef(core.put(parts))
        keep.append(ref)  # until the task holds its own reference
        return (True, ref._id)
    return (False, data, nested.ids)


def encode(core, args, kwargs, keep):
    """(core argument list, has_kwargs)."""
    out = [_one(core, a, keep) for a in args]
    if kwargs:
        out.extend(_one(core, v, keep) for v in kwargs.values())
        out.append(_one(core, tuple(kwargs), keep))
    return out, bool(kwargs)


def decode(values, name):
    """(name without the suffix, args, kwargs) from a call's argument values."""
    args = [serialization.deserialize(v) for v in values]
    if not name.endswith(KWARGS_SUFFIX):
        return name, args, {}
    names = args.pop()
    kw_values = args[len(args) - len(names):]
    del args[len(args) - len(names):]
    return name[:-len(KWARGS_SUFFIX)], args, dict(zip(names, kw_values))
