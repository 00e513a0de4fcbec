"""The options of @remote and .options(): names, checks, and their core form."""

from photon import _core
from photon._private import concurrency_groups, retries

TASK_OPTIONS = {"num_cpus", "num_gpus", "resources", "memory", "num_returns", "max_retries",
                "retry_exceptions", "scheduling_strategy", "name", "runtime_env", "max_calls"}
ACTOR_OPTIONS = {"num_cpus", "num_gpus", "resources", "memory", "max_restarts", "max_task_retries",
                 "max_concurrency", "name", "namespace", "lifetime", "get_if_exists", "scheduling_strategy",
                 "runtime_env", "concurrency_groups"}
# @photon.method(...) takes these; a method's .options(...) also a name.
METHOD_DECORATOR_OPTIONS = {"num_returns", "concurrency_group", "max_task_retries", "retry_exceptions"}
METHOD_OPTIONS = METHOD_DECORATOR_OPTIONS | {"name"}
# The options of an actor call that its worker applies (the core has no
# field for them): they travel with the call (args.add_call_options).
WORKER_METHOD_OPTIONS = ("concurrency_group", "max_task_retries", "retry_exceptions")


def check(options, valid, what):
    unknown = set(options) - valid
    if unknown:
        raise ValueError(f"invalid option(s) for {what}: {', '.join(sorted(unknown))} "
                         f"(valid: {', '.join(sorted(valid))})")
    for key in ("num_cpus", "num_gpus", "memory"):
        v = options.get(key)
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0):
            raise ValueError(f"{key} must be a number >= 0, got {v!r}")
    res = options.get("resources")
    if res is not None:
        if not isinstance(res, dict):
            raise TypeError(f"resources must be a dict, got {type(res).__name__}")
        for name, amount in res.items():
            if name in ("CPU", "GPU"):
                raise ValueError(f"use num_{name.lower()}s=, not resources={{'{name}': ...}}")
            if not isinstance(amount, (int, float)) or amount < 0:
                raise ValueError(f"resource {name!r} must be a number >= 0, got {amount!r}")
    n = options.get("num_returns")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 0):
        raise ValueError(f"num_returns must be an int >= 0, got {n!r}")
    for key in ("max_retries", "max_restarts", "max_task_retries"):
        v = options.get(key)
        if v is not None and (not isinstance(v, int) or v < -1):
            raise ValueError(f"{key} must be an int >= -1, got {v!r}")
    mc = options.get("max_concurrency")
    if mc is not None and (not isinstance(mc, int) or mc < 1):
        raise ValueError(f"max_concurrency must be an int >= 1, got {mc!r}")
    lifetime = options.get("lifetime")
    if lifetime not in (None, "detached", "non_detached"):
        raise ValueError(f"lifetime must be None, 'detached' or 'non_detached', got {lifetime!r}")
    if options.get("runtime_env"):
        raise ValueError("runtime_env is supported by photon.init() (job level), not per task or actor")
    name = options.get("name")
    if name is not None and not isinstance(name, str):
        raise ValueError(f"name must be a string, got {name!r}")
    group = options.get("concurrency_group")
    if group is not None and (not isinstance(group, str) or not group):
        raise ValueError(f"concurrency_group must be a non-empty string, got {group!r}")
    if "retry_exceptions" in options:
        options["retry_exceptions"] = retries.check(options["retry_exceptions"])
    if "concurrency_groups" in options:
        options["concurrency_groups"] = concurrency_groups.check(options["concurrency_groups"])
    return options


def copy_with(obj, options, valid, what):
    """A copy of `obj` (a RemoteFunction or ActorClass) whose options are its
    own updated with `options` (checked against `valid`)."""
    other = type(obj).__new__(type(obj))
    other.__dict__.update(obj.__dict__)
    other._options = {**obj._options, **check(dict(options), valid, what)}
    return other


def resources(options, defaults):
    """The resource map a task or actor asks for: `defaults` (the core's)
    with what `options` set replacing it."""
    out = dict(defaults)
    if options.get("num_cpus") is not None:
        out["CPU"] = float(options["num_cpus"])
    if options.get("num_gpus") is not None:
        out["GPU"] = float(options["num_gpus"])
    if options.get("memory") is not None:
        out["memory"] = float(options["memory"])
    for name, amount in (options.get("resources") or {}).items():
        out[name] = float(amount)
    return out


def strategy(value):
    """The core's form of a scheduling_strategy option (None: the default).
    Strategy objects make their own (a `_to_core()` method)."""
    if value is None or value == "DEFAULT":
        return None
    if value == "SPREAD":
        return _core.SchedulingStrategy.spread()
    to_core = getattr(value, "_to_core", None)
    if to_core is None:
        raise ValueError(f"unknown scheduling_strategy {value!r}: use 'DEFAULT', 'SPREAD', "
                         "NodeAffinitySchedulingStrategy or PlacementGroupSchedulingStrategy")
    return to_core()


def task_options(options):
    """A photon._core.TaskOptions: the core's defaults, then what was given."""
    out = _core.TaskOptions()
    out.resources = resources(options, out.resources)
    if options.get("num_returns") is not None:
        out.num_returns = options["num_returns"]
    if options.get("max_retries") is not None:
        out.max_retries = options["max_retries"]
    if options.get("retry_exceptions") is not None:
        # A list: the core retries every exception, the worker reports the
        # others as not retried (photon/_private/retries.py).
        out.retry_exceptions = bool(options["retry_exceptions"])
    _set_strategy(out, options)
    return out


def actor_options(options, class_name, max_concurrency=None):
    """A photon._core.ActorOptions: the core's defaults, then what was given.
    `max_concurrency`: the threads the core gives the actor (None: the
    option's)."""
    out = _core.ActorOptions()
    out.resources = resources(options, out.resources)
    out.name = options.get("name") or ""
    out.namespace = options.get("namespace") or ""
    out.detached = options.get("lifetime") == "detached"
    out.get_if_exists = bool(options.get("get_if_exists"))
    for key in ("max_restarts", "max_task_retries"):
        if options.get(key) is not None:
            setattr(out, key, options[key])
    if max_concurrency or options.get("max_concurrency"):
        out.max_concurrency = max_concurrency or options["max_concurrency"]
    out.class_name = class_name
    _set_strategy(out, options)
    return out


def _set_strategy(out, options):
    core_strategy = strategy(options.get("scheduling_strategy"))
    if core_strategy is not None:
        out.strategy = core_strategy
