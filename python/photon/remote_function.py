"""@photon.remote functions."""

import functools

from photon._private import args as call_args
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
        functools.update_wrapper(self, function)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"remote function {self._function.__name__} cannot be called directly: "
                        f"use {self._function.__name__}.remote(...)")

    def options(self, **options):
        """A copy of this function with some options changed (for its calls)."""
        merged = dict(self._options)
        merged.update(opts.check(dict(options), opts.TASK_OPTIONS, f"remote function {self._function.__name__}"))
        other = RemoteFunction.__new__(RemoteFunction)
        other.__dict__.update(self.__dict__)
        other._options = merged
        other._core_options = None
        return other

    def _prepared(self):
        if self._core_options is None:
            o = self._options
            self._core_options = (
                1 if o.get("num_returns") is None else o["num_returns"],
                opts.resources(o, default_cpus=1),
                3 if o.get("max_retries") is None else o["max_retries"],
                bool(o.get("retry_exceptions", False)),
                opts.strategy(o.get("scheduling_strategy")),
            )
        return self._core_options

    def remote(self, *args, **kwargs):
        core = worker.core()
        key = self._exported.ensure_exported(core)
        num_returns, resources, max_retries, retry_exceptions, strategy = self._prepared()
        keep = []
        encoded, has_kwargs = call_args.encode(core, args, kwargs, keep)
        if has_kwargs:
            key += call_args.KWARGS_SUFFIX
        ids = core.submit_task(key, encoded, num_returns, resources, max_retries, retry_exceptions, strategy)
        refs = [ObjectRef(i) for i in ids]
        if num_returns == 1:
            return refs[0]
        if num_returns == 0:
            return None
        return refs
