"""A call's arguments in the core's form.

Top-level ObjectRefs go by reference (the worker gets their values); other
values go pickled, as (False, pickle, [buffers], [ids of ObjectRefs inside]):
the core frames them, and puts one over its inline limit in the object store
and passes it by reference too (python/photon/_core/call_args.h). Keyword
arguments follow the positional ones, then a tuple of their names; the
call's function name then ends in "?kw". Options the worker applies to the
call itself (retry_exceptions classes, a concurrency group...) come last,
as a dict; the name then ends in "?opt" too.
"""

from photon._private import serialization
from photon._private.object_ref import ObjectRef

KWARGS_SUFFIX = "?kw"
OPTIONS_SUFFIX = "?opt"


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


def add_call_options(encoded, name, call_options):
    """Appends `call_options` (a dict) to an encoded call named `name`;
    returns the name the call then goes by."""
    encoded.append(_one(call_options))
    return name + OPTIONS_SUFFIX


def decode(values, name):
    """(name without the suffixes, args, kwargs, call options) from a call's
    argument values."""
    args = [serialization.deserialize(v) for v in values]
    call_options = {}
    if name.endswith(OPTIONS_SUFFIX):
        call_options = args.pop()
        name = name[:-len(OPTIONS_SUFFIX)]
    if not name.endswith(KWARGS_SUFFIX):
        return name, args, {}, call_options
    names = args.pop()
    kw_values = args[len(args) - len(names):]
    del args[len(args) - len(names):]
    return name[:-len(KWARGS_SUFFIX)], args, dict(zip(names, kw_values)), call_options
