"""The options of @remote and .options(): names, checks, and their core form."""

TASK_OPTIONS = {"num_cpus", "num_gpus", "resources", "memory", "num_returns", "max_retries",
                "retry_exceptions", "scheduling_strategy", "name", "runtime_env", "max_calls"}
ACTOR_OPTIONS = {"num_cpus", "num_gpus", "resources", "memory", "max_restarts", "max_task_retries",
                 "max_concurrency", "name", "namespace", "lifetime", "get_if_exists", "scheduling_strategy",
                 "runtime_env"}
METHOD_OPTIONS = {"num_returns"}


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
    return options


def resources(options, default_cpus):
    """The resource map a task or actor asks for."""
    out = {}
    cpus = options.get("num_cpus")
    cpus = default_cpus if cpus is None else cpus
    if cpus:
        out["CPU"] = float(cpus)
    if options.get("num_gpus"):
        out["GPU"] = float(options["num_gpus"])
    if options.get("memory"):
        out["memory"] = float(options["memory"])
    for name, amount in (options.get("resources") or {}).items():
        if amount:
            out[name] = float(amount)
    return out


def strategy(value):
    """The core's form of a scheduling_strategy option (None: default)."""
    from photon.util.scheduling_strategies import (NodeAffinitySchedulingStrategy,
                                                    PlacementGroupSchedulingStrategy)
    if value is None or value == "DEFAULT":
        return None
    if value == "SPREAD":
        return ("SPREAD", b"", False, b"", -1)
    if isinstance(value, NodeAffinitySchedulingStrategy):
        return ("NODE_AFFINITY", bytes.fromhex(value.node_id), bool(value.soft), b"", -1)
    if isinstance(value, PlacementGroupSchedulingStrategy):
        pg = value.placement_group
        index = value.placement_group_bundle_index
        return ("PLACEMENT_GROUP", b"", False, pg.id.binary(), -1 if index is None else int(index))
    raise ValueError(f"unknown scheduling_strategy {value!r}: use 'DEFAULT', 'SPREAD', "
                     "NodeAffinitySchedulingStrategy or PlacementGroupSchedulingStrategy")
