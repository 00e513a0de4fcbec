"""Functions and classes travel through the GCS function table: pickled
with cloudpickle once by the process that defines them, added under a hash
of the pickle, and loaded (then cached) by each worker that runs them."""

import hashlib
import inspect

from photon._private import serialization
from photon._private.state import state


class Exported:
    """A function or class, pickled once; `key` names it in task specs."""

    def __init__(self, obj):
        self.obj = obj
        self._blob = None
        self.function_id = None
        self.key = None

    def ensure_exported(self, core):
        if self._blob is None:
            self._blob = serialization.dumps_function(self.obj)
            self.function_id = hashlib.sha1(self._blob).hexdigest()[:20]
            name = getattr(self.obj, "__qualname__", getattr(self.obj, "__name__", "function"))
            self.key = f"{name}#{self.function_id}"
        if self.function_id not in state.exported:
            core.add_function(self.function_id, self._blob)
            state.exported.add(self.function_id)
            state.functions[self.function_id] = self.obj
        return self.key


def function_id_of(key):
    return key.rpartition("#")[2]


def load(core, key, job_id=b""):
    """The function or class named by `key` (a task spec's function name)."""
    function_id = function_id_of(key)
    obj = state.functions.get(function_id)
    if obj is None:
        obj = serialization.loads_function(core.get_function(job_id, function_id))
        state.functions[function_id] = obj
    return obj


def is_async_class(cls):
    """True for a class with async methods: its actor runs them on an asyncio loop."""
    return any(inspect.iscoroutinefunction(m) or inspect.isasyncgenfunction(m)
               for _, m in inspect.getmembers(cls, predicate=inspect.isfunction))
