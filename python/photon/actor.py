"""@photon.remote classes: actors, their handles and methods."""

import inspect

from photon._private import args as call_args
from photon._private import function_manager
from photon._private import options as opts
from photon._private import worker
from photon._private.function_manager import Exported
from photon._private.object_ref import ObjectRef
from photon._private.state import state

# Ray's default for actors with async methods.
ASYNC_MAX_CONCURRENCY = 1000


def method(*, num_returns=1):
    """Sets an actor method's number of returns: @photon.method(num_returns=2)."""
    opts.check({"num_returns": num_returns}, opts.METHOD_OPTIONS, "an actor method")

    def mark(fn):
        fn.__photon_num_returns__ = num_returns
        return fn
    return mark


def _method_table(cls):
    """{method name: num_returns} of a class's callable methods."""
    table = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("__") and name not in ("__call__",):
            continue
        if callable(member):
            table[name] = getattr(member, "__photon_num_returns__", 1)
    return table


class ActorClass:
    """A class made remote: create actors with .remote(...)."""

    def __init__(self, cls, options):
        self._cls = cls
        self._exported = Exported(cls)
        self._options = opts.check(dict(options), opts.ACTOR_OPTIONS, f"actor class {cls.__name__}")
        self._methods = _method_table(cls)
        self._async = function_manager.is_async_class(cls)
        self.__name__ = cls.__name__
        self.__qualname__ = cls.__qualname__
        self.__doc__ = cls.__doc__

    def __call__(self, *args, **kwargs):
        raise TypeError(f"actor class {self._cls.__name__} cannot be instantiated directly: "
                        f"use {self._cls.__name__}.remote(...)")

    def options(self, **options):
        """A copy of this class with some options changed (for its actors)."""
        return opts.copy_with(self, options, opts.ACTOR_OPTIONS, f"actor class {self._cls.__name__}")

    def remote(self, *args, **kwargs):
        core = worker.core()
        key = self._exported.ensure_exported(core)
        if self._options.get("get_if_exists") and not self._options.get("name"):
            raise ValueError("get_if_exists=True needs a name=")
        encoded, has_kwargs = call_args.encode(args, kwargs)
        factory = key + (call_args.KWARGS_SUFFIX if has_kwargs else "")
        options = opts.actor_options(self._options, f"{key}@{core.job_id.hex()}",
                                     ASYNC_MAX_CONCURRENCY if self._async else None)
        actor_id = core.create_actor(factory, encoded, options)
        return ActorHandle(actor_id, self._cls.__name__, self._methods)


class ActorHandle:
    """A handle to an actor: call its methods with handle.method.remote(...).
    Handles can be passed to tasks and other actors."""

    def __init__(self, actor_id, class_name, methods):
        self._actor_id = actor_id
        self._class_name = class_name
        self._methods = methods

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        methods = self.__dict__.get("_methods", {})
        if name not in methods:
            raise AttributeError(f"actor {self._class_name} has no method '{name}'")
        return ActorMethod(self, name, methods[name])

    def __repr__(self):
        return f"Actor({self._class_name}, {self._actor_id.hex()})"

    def __eq__(self, other):
        return isinstance(other, ActorHandle) and other._actor_id == self._actor_id

    def __hash__(self):
        return hash(self._actor_id)

    def __reduce__(self):
        return (ActorHandle, (self._actor_id, self._class_name, self._methods))

    @property
    def actor_id(self):
        return self._actor_id.hex()


class ActorMethod:
    def __init__(self, handle, name, num_returns):
        self._handle = handle
        self._name = name
        self._num_returns = num_returns

    def __call__(self, *args, **kwargs):
        raise TypeError(f"actor method {self._handle._class_name}.{self._name} cannot be called directly: "
                        f"use .{self._name}.remote(...)")

    def options(self, **options):
        opts.check(dict(options), opts.METHOD_OPTIONS, f"actor method {self._name}")
        return ActorMethod(self._handle, self._name, options.get("num_returns", self._num_returns))

    def remote(self, *args, **kwargs):
        core = worker.core()
        encoded, has_kwargs = call_args.encode(args, kwargs)
        name = self._name + (call_args.KWARGS_SUFFIX if has_kwargs else "")
        ids = core.submit_actor_task(self._handle._actor_id, name, encoded, self._num_returns)
        refs = [ObjectRef(i) for i in ids]
        if self._num_returns == 1:
            return refs[0]
        if self._num_returns == 0:
            return None
        return refs


def get_actor(name, namespace=None):
    """The handle of the live actor called `name` (in `namespace`, default
    this job's). ValueError when there is none."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"get_actor() needs a non-empty name, got {name!r}")
    core = worker.core()
    actor_id = core.get_named_actor(name, namespace or "")
    info = core.actor_info(actor_id)
    key, _, job_hex = info["class_name"].rpartition("@")
    cls = function_manager.load(core, key, bytes.fromhex(job_hex))
    return ActorHandle(actor_id, cls.__name__, _method_table(cls))


def kill(actor, *, no_restart=True):
    """Ends the actor now; with no_restart=False it restarts if it may."""
    if not isinstance(actor, ActorHandle):
        raise TypeError(f"kill() takes an actor handle, not {type(actor).__name__}")
    worker.core().kill_actor(actor._actor_id, bool(no_restart))


def exit_actor():
    """Ends the current actor (from inside one of its methods)."""
    raise SystemExit(0)


__all__ = ["ActorClass", "ActorHandle", "ActorMethod", "method", "get_actor", "kill", "exit_actor", "state"]
