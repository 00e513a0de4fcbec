"""@photon.remote functions."""

import functools

from photon._private import args as call_args
from photon._private import execution
from photon._private import options as opts
from photon._private import worker
from photon._private.function_manager import Exported
from photon._private.object_ref import ObjectRef


class RemoteFunction:
    """A function made remote: call it with .remote(...)."""

    def __init__(self, function, options):
        self._function = function
        self._exported = Exported(function)
        self._options = opts.check(dict(options), opts.TASK_OPTIONS, f"remote function {function.__name__}")
        self._core_options = None
        self._call_options = None
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"remote function {self._function.__name__} cannot be called directly: "
                        f"use {self._function.__name__}.remote(...)")

    def options(self, **options):
        """A copy of this function with some options changed (for its calls)."""
        other = opts.copy_with(self, options, opts.TASK_OPTIONS, f"remote function {self._function.__name__}")
        other._core_options = None
        other._call_options = None
        return other

    def __getstate__(self):
        # Pickled with a task that calls it: the core's options struct is
        # made again where it is used.
        state = dict(self.__dict__)
        state["_core_options"] = None
        state["_call_options"] = None
        return state

    def _prepared(self):
        if self._core_options is None:
            self._core_options = opts.task_options(self._options)
            retry_on = self._options.get("retry_exceptions")
            # A list of classes: the worker needs it to tell which to retry.
            self._call_options = {"retry_exceptions": retry_on} if isinstance(retry_on, tuple) and retry_on else None
        return self._core_options

    def remote(self, *args, **kwargs):
        core = worker.core()
        key = self._exported.ensure_exported(core)
        options = self._prepared()
        encoded, has_kwargs = call_args.encode(args, kwargs)
        if has_kwargs:
            key += call_args.KWARGS_SUFFIX
        if self._call_options is not None:
            key = call_args.add_call_options(encoded, key, self._call_options)
        refs = [ObjectRef(i) for i in execution.submit_in_task(core.submit_task, key, encoded, options)]
        if options.num_returns == 1:
            return refs[0]
        if options.num_returns == 0:
            return None
        return refs
