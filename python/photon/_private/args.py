"""A call's arguments in the core's form.

Top-level ObjectRefs go by reference (the worker gets their values); other
values go pickled, as (False, pickle, [buffers], [ids of ObjectRefs inside]):
the core frames them, and puts one over its inline limit in the object store
and passes it by reference too (python/photon/_core/call_args.h). Keyword
arguments follow the positional ones, then a tuple of their names; the
call's function name then ends in "?kw".
"""

from photon._private import serialization
from photon._private.object_ref import ObjectRef

KWARGS_SUFFIX = "?kw"


def _one(value):
    if isinstance(value, ObjectRef):
        return (True, value._id)
    with serialization.NestedRefs() as nested:
        inband, buffers = serialization.pickle_with_buffers(value)
    return (False, inband, buffers, nested.ids)


def encode(args, kwargs):
    """(core argument list, has_kwargs)."""
    out = [_one(a) for a in args]
    if kwargs:
        out.extend(_one(v) for v in kwargs.values())
        out.append(_one(tuple(kwargs)))
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
