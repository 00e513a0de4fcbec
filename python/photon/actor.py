"""@photon.remote classes: actors, their handles and methods."""

import inspect

from photon._private import actor_exit, concurrency_groups, execution
from photon._private import args as call_args
from photon._private import function_manager
from photon._private import options as opts
from photon._private import worker
from photon._private.function_manager import Exported
from photon._private.object_ref import ObjectRef
from photon._private.state import state

# Ray's default for actors with async methods.
ASYNC_MAX_CONCURRENCY = 1000
# Methods every actor has (Ray's names); its worker runs them itself.
_BUILTIN_METHODS = ("__ray_ready__", "__ray_terminate__")


def method(*, num_returns=None, concurrency_group=None, max_task_retries=None, retry_exceptions=None):
    """Options of one actor method (Ray's @ray.method): @photon.method(num_returns=2).

    concurrency_group: one of the class's concurrency_groups, whose limit
    its calls share. retry_exceptions (True, or a list of exception
    classes): a call that raises one runs again, at most max_task_retries
    more times (default: the actor's max_task_retries)."""
    given = {"num_returns": num_returns, "concurrency_group": concurrency_group,
             "max_task_retries": max_task_retries, "retry_exceptions": retry_exceptions}
    options = opts.check({k: v for k, v in given.items() if v is not None}, opts.METHOD_DECORATOR_OPTIONS,
                         "@photon.method")

    def mark(fn):
        fn.__photon_method_options__ = options
        return fn
    return mark


def _method_table(cls):
    """{method name: its @method options} of a class's callable methods."""
    table = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("__") and name not in ("__call__",):
            continue
        if callable(member):
            table[name] = getattr(member, "__photon_method_options__", {})
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
        self._check_groups()

    def __getattr__(self, name):
        # As Ray's: the class's own attributes (constants, static and class
        # methods) read through the actor class.
        cls = self.__dict__.get("_cls")
        if cls is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(cls, name)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"actor class {self._cls.__name__} cannot be instantiated directly: "
                        f"use {self._cls.__name__}.remote(...)")

    def options(self, **options):
        """A copy of this class with some options changed (for its actors)."""
        other = opts.copy_with(self, options, opts.ACTOR_OPTIONS, f"actor class {self._cls.__name__}")
        other._check_groups()
        return other

    def _check_groups(self):
        groups = self._options.get("concurrency_groups") or {}
        for name, options in self._methods.items():
            concurrency_groups.check_member(options.get("concurrency_group"), groups,
                                            f"method {self._cls.__name__}.{name}")

    def _concurrency(self):
        """(the core's max_concurrency, the options its worker applies to the
        actor's calls: actor_methods.MethodRunner's)."""
        default = self._options.get("max_concurrency") or (ASYNC_MAX_CONCURRENCY if self._async else 1)
        groups = self._options.get("concurrency_groups")
        worker_options = {}
        if groups:
            worker_options = {"concurrency_groups": groups, "max_concurrency": default}
        if self._options.get("max_task_retries") is not None:
            worker_options["max_task_retries"] = self._options["max_task_retries"]
        threads = concurrency_groups.core_max_concurrency(default, groups) if groups else default
        return threads, worker_options

    def remote(self, *args, **kwargs):
        core = worker.core()
        key = self._exported.ensure_exported(core)
        if self._options.get("get_if_exists") and not self._options.get("name"):
            raise ValueError("get_if_exists=True needs a name=")
        encoded, has_kwargs = call_args.encode(args, kwargs)
        factory = key + (call_args.KWARGS_SUFFIX if has_kwargs else "")
        max_concurrency, worker_options = self._concurrency()
        if worker_options:
            factory = call_args.add_call_options(encoded, factory, worker_options)
        options = opts.actor_options(self._options, f"{key}@{core.job_id.hex()}", max_concurrency)
        actor_id = execution.submit_in_task(core.create_actor, factory, encoded, options)
        groups = tuple(self._options.get("concurrency_groups") or ())
        return ActorHandle(actor_id, self._cls.__name__, self._methods, groups)


class ActorHandle:
    """A handle to an actor: call its methods with handle.method.remote(...).
    Handles can be passed to tasks and other actors. Every public name is
    one of the actor's methods: the handle's own fields are underscored
    (`_actor_id`, as in Ray)."""

    def __init__(self, actor_id, class_name, methods, concurrency_groups=None):
        self._actor_id = actor_id
        self._class_name = class_name
        self._methods = methods  # name -> its @method options
        # The actor's group names; None when not known here (get_actor).
        self._concurrency_groups = concurrency_groups

    def __getattr__(self, name):
        methods = self.__dict__.get("_methods")
        if methods is None:
            raise AttributeError(name)
        options = methods.get(name)
        if options is not None:
            return ActorMethod(self, name, options)
        if name in _BUILTIN_METHODS:
            return ActorMethod(self, name, {})
        if name == "actor_id":
            # Photon's earlier spelling of _actor_id.hex(), for actors without such a method.
            return self._actor_id.hex()
        raise AttributeError(f"actor {self._class_name} has no method '{name}'")

    def __repr__(self):
        return f"Actor({self._class_name}, {self._actor_id.hex()})"

    def __eq__(self, other):
        return isinstance(other, ActorHandle) and other._actor_id == self._actor_id

    def __hash__(self):
        return hash(self._actor_id)

    def __reduce__(self):
        return (ActorHandle, (self._actor_id, self._class_name, self._methods, self._concurrency_groups))


class ActorMethod:
    def __init__(self, handle, name, options):
        self._handle = handle
        self._name = name
        self._options = options  # the @method options, then .options()'s
        self._num_returns = options.get("num_returns", 1)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"actor method {self._handle._class_name}.{self._name} cannot be called directly: "
                        f"use .{self._name}.remote(...)")

    def options(self, **options):
        """This method with some options changed for a call: num_returns,
        name, concurrency_group, max_task_retries, retry_exceptions."""
        what = f"actor method {self._handle._class_name}.{self._name}"
        checked = opts.check(dict(options), opts.METHOD_OPTIONS, what)
        concurrency_groups.check_member(checked.get("concurrency_group"), self._handle._concurrency_groups, what)
        changed = {k: v for k, v in checked.items() if v is not None}
        return ActorMethod(self._handle, self._name, {**self._options, **changed})

    def remote(self, *args, **kwargs):
        core = worker.core()
        encoded, has_kwargs = call_args.encode(args, kwargs)
        name = self._name + (call_args.KWARGS_SUFFIX if has_kwargs else "")
        if self._options:
            worker_options = {k: self._options[k] for k in opts.WORKER_METHOD_OPTIONS
                              if self._options.get(k) is not None}
            if worker_options:
                name = call_args.add_call_options(encoded, name, worker_options)
        ids = execution.submit_in_task(core.submit_actor_task, self._handle._actor_id, name, encoded,
                                       self._num_returns)
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
    return ActorHandle(actor_id, cls.__name__, _method_table(cls), None)


def kill(actor, *, no_restart=True):
    """Ends the actor now; with no_restart=False it restarts if it may."""
    if not isinstance(actor, ActorHandle):
        raise TypeError(f"kill() takes an actor handle, not {type(actor).__name__}")
    worker.core().kill_actor(actor._actor_id, bool(no_restart))


def exit_actor():
    """Ends the current actor, from inside one of its methods, for good (no
    restart). The call that made it sees the actor die; later calls fail
    with ActorDiedError saying it exited intentionally. TypeError outside
    an actor."""
    actor_id = execution.actor_id()
    if not actor_id:
        raise TypeError("exit_actor() can only be called inside an actor (in one of its methods); "
                        "photon.kill(handle) ends an actor from outside")
    actor_exit.exit_current(actor_id)


__all__ = ["ActorClass", "ActorHandle", "ActorMethod", "method", "get_actor", "kill", "exit_actor", "state"]
