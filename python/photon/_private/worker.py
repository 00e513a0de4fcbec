"""init/shutdown and the object calls of the photon API."""

import atexit
import os
import socket
import sys

from photon import _core
from photon._private import object_ref, serialization
from photon._private.object_ref import ObjectRef
from photon._private.state import state

# Options of init() that Ray scripts pass and Photon accepts without acting
# on them (they tune Ray internals that Photon does not have).
_IGNORED_INIT_OPTIONS = {"include_dashboard", "dashboard_host", "dashboard_port", "logging_level",
                         "configure_logging", "log_to_driver_level", "_system_config", "_temp_dir",
                         "local_mode", "num_redis_shards", "_plasma_directory"}


def is_initialized():
    return state.core is not None


def _reachable(address, timeout=0.5):
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def _latest_cluster():
    latest = _core.latest_session()
    if latest is None:
        return None
    gcs, session_dir = latest
    return (gcs, session_dir) if _reachable(gcs) else None


def _worker_command(env_vars):
    """How a raylet starts this job's Python workers: this interpreter, with
    this driver's import path and working directory."""
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = [os.path.dirname(package_root)]
    paths += [os.path.abspath(p) for p in sys.path if p and os.path.isdir(p)]
    if sys.path and sys.path[0] == "":
        paths.append(os.getcwd())
    seen = []
    for p in paths:
        if p not in seen:
            seen.append(p)
    command = ["/usr/bin/env", "PYTHONPATH=" + os.pathsep.join(seen)]
    for key, value in env_vars.items():
        if not isinstance(key, str) or not isinstance(value, str) or "=" in key or not key:
            raise TypeError(f"runtime_env env_vars must map names to strings; got {key!r}: {value!r}")
        command.append(f"{key}={value}")
    command += [sys.executable, "-u", "-m", "photon._private.worker_main", "--cwd", os.getcwd(),
                "--env-keys", ",".join(env_vars)]
    return command


def init(address=None, *, num_cpus=None, num_gpus=None, resources=None, object_store_memory=None,
         namespace=None, runtime_env=None, ignore_reinit_error=False, log_to_driver=True, **kwargs):
    """Connects this process to a cluster, or starts a local one for it.

    address: None (PHOTON_ADDRESS, else the latest cluster started on this
    machine, else a new local cluster for this process), "auto" (the same but
    never starts one), "local" (always a new local cluster) or "HOST:PORT" of
    a GCS.
    """
    unknown = set(kwargs) - _IGNORED_INIT_OPTIONS
    if unknown:
        raise TypeError(f"init() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    with state.lock:
        if state.core is not None:
            if ignore_reinit_error:
                return _context_info()
            raise RuntimeError("photon.init() was already called; call photon.shutdown() first "
                               "or pass ignore_reinit_error=True")
        env_vars = {}
        if runtime_env:
            unknown_env = set(runtime_env) - {"env_vars"}
            if unknown_env:
                raise ValueError(f"runtime_env supports only 'env_vars'; got {sorted(unknown_env)}")
            env_vars = dict(runtime_env.get("env_vars") or {})
        if resources is not None:
            if not isinstance(resources, dict):
                raise TypeError(f"resources must be a dict, got {type(resources).__name__}")
            for name in ("CPU", "GPU"):
                if name in resources:
                    raise ValueError(f"use num_{name.lower()}s=, not resources={{'{name}': ...}}")
        if address is None:
            address = os.environ.get("PHOTON_ADDRESS") or None
        gcs = None
        token = os.environ.get("PHOTON_CLUSTER_TOKEN", "")
        start_local = False
        if address == "local":
            start_local = True
        elif address in (None, "auto"):
            latest = _latest_cluster()
            if latest is not None:
                gcs, state.session_dir = latest
            elif address == "auto":
                raise ConnectionError("photon.init('auto'): no running cluster found on this machine "
                                      "(start one with `photon start --head`)")
            else:
                start_local = True
        else:
            gcs = address
        if start_local:
            cluster = _core.LocalCluster.start(
                num_cpus=-1.0 if num_cpus is None else float(num_cpus),
                num_gpus=-1.0 if num_gpus is None else float(num_gpus),
                object_store_memory=-1 if object_store_memory is None else int(object_store_memory),
                resources={k: float(v) for k, v in (resources or {}).items()})
            state.cluster = cluster
            gcs, token, state.session_dir = cluster.gcs_address, cluster.token, cluster.session_dir
        elif num_cpus is not None or num_gpus is not None or resources or object_store_memory is not None:
            raise ValueError("num_cpus, num_gpus, resources and object_store_memory describe a new local "
                             "cluster; they cannot be given when connecting to an existing one")
        if not token:
            token = _core.resolve_token()
        if state.session_dir:
            _core.init_logging(f"driver-{os.getpid()}", os.path.join(state.session_dir, "logs"))
        try:
            state.core = _core.Worker.start_driver(
                gcs_address=gcs, token=token, node_ip=os.environ.get("PHOTON_NODE_IP", "127.0.0.1"),
                namespace=namespace or "", worker_command=_worker_command(env_vars),
                entrypoint=" ".join([sys.executable] + sys.argv), log_to_driver=log_to_driver)
        except BaseException:
            if state.cluster is not None:
                state.cluster.stop()
                state.cluster = None
            raise
        state.is_driver = True
        state.gcs_address = gcs
        state.namespace = state.core.namespace
        return _context_info()


def _context_info():
    return {"address": state.gcs_address, "session_dir": state.session_dir,
            "node_id": state.core.node_id.hex(), "job_id": state.core.job_id.hex()}


def shutdown():
    """Disconnects (ending this job's non-detached actors) and stops the
    local cluster this process started, if any."""
    with state.lock:
        core, cluster = state.core, state.cluster
        state.core, state.cluster = None, None
        state.exported.clear()
        state.functions.clear()
        if core is not None:
            object_ref.fail_pending_futures("photon was shut down while get waited: the future's object "
                                            "was not ready")
            core.shutdown()
        if cluster is not None:
            cluster.stop()


atexit.register(shutdown)
state.on_exit = shutdown


def core():
    c = state.core  # the hot path: one attribute read
    return c if c is not None else _auto_init()


def _auto_init():
    """As in Ray 2.x: the first call that needs a cluster initializes photon
    with init()'s defaults, unless PHOTON_DISABLE_AUTO_INIT=1 (or Ray's
    RAY_ENABLE_AUTO_CONNECT=0) turns that off."""
    if os.environ.get("PHOTON_DISABLE_AUTO_INIT") == "1" or os.environ.get("RAY_ENABLE_AUTO_CONNECT") == "0":
        c = state.core
        if c is None:
            raise RuntimeError("photon is not initialized: call photon.init() first (automatic "
                               "initialization is off: PHOTON_DISABLE_AUTO_INIT=1 or RAY_ENABLE_AUTO_CONNECT=0)")
        return c
    with state.lock:
        if state.core is None:
            init()
        return state.require_core()


def put(value):
    """Stores `value` in the cluster; returns its ObjectRef."""
    if isinstance(value, ObjectRef):
        raise TypeError("put() of an ObjectRef is not allowed: pass the ObjectRef itself")
    c = core()
    # Framed by the core, straight into shared memory when large.
    return ObjectRef(c.put(*serialization.pickle_with_refs(value)))


def _timeout_ms(timeout):
    if timeout is None:
        return -1
    if not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"timeout must be None or a number >= 0, got {timeout!r}")
    return int(timeout * 1000)


def get(refs, *, timeout=None):
    """The value of an ObjectRef, or the values of a list of them."""
    c = core()
    if isinstance(refs, ObjectRef):
        return serialization.deserialize(c.get([refs._id], _timeout_ms(timeout))[0])
    if not isinstance(refs, (list, tuple)):
        raise TypeError(f"get() takes an ObjectRef or a list of ObjectRefs, not {type(refs).__name__}")
    ids = []
    for i, r in enumerate(refs):
        if not isinstance(r, ObjectRef):
            raise TypeError(f"get(): item {i} is a {type(r).__name__}, not an ObjectRef")
        ids.append(r._id)
    if not ids:
        return []
    return [serialization.deserialize(b) for b in c.get(ids, _timeout_ms(timeout))]


def wait(refs, *, num_returns=1, timeout=None, fetch_local=True):
    """(ready, not_ready): the first `num_returns` ready refs, in the order
    given, once that many are ready or `timeout` seconds passed."""
    del fetch_local  # values are fetched by get
    c = core()
    if isinstance(refs, ObjectRef) or not isinstance(refs, (list, tuple)):
        raise TypeError(f"wait() takes a list of ObjectRefs, not {type(refs).__name__}")
    for i, r in enumerate(refs):
        if not isinstance(r, ObjectRef):
            raise TypeError(f"wait(): item {i} is a {type(r).__name__}, not an ObjectRef")
    if not isinstance(num_returns, int) or num_returns < 0:
        raise ValueError(f"wait(): num_returns must be an int >= 0, got {num_returns!r}")
    if not refs:  # as Ray: whatever num_returns asks for
        return [], []
    if num_returns > len(refs):
        raise ValueError(f"wait(): num_returns ({num_returns}) is more than the {len(refs)} refs given")
    if len(set(refs)) != len(refs):
        raise ValueError("wait(): the list holds the same ObjectRef twice")
    flags = c.wait([r._id for r in refs], num_returns, _timeout_ms(timeout))
    ready, not_ready = [], []
    for r, f in zip(refs, flags):
        (ready if f and len(ready) < num_returns else not_ready).append(r)
    return ready, not_ready


def cancel(ref, *, force=False, recursive=True):
    """Cancels the task making `ref`: dropped if queued; if running, its
    result is discarded, and with force=True its worker is ended. An actor
    call: dropped if queued; a running coroutine is cancelled (force=True is
    refused). recursive=True: the tasks it submitted are cancelled too."""
    if not isinstance(ref, ObjectRef):
        raise TypeError(f"cancel() takes an ObjectRef, not {type(ref).__name__}")
    for name, value in (("force", force), ("recursive", recursive)):
        if not isinstance(value, bool):
            raise TypeError(f"cancel(): {name} must be a bool, not {type(value).__name__}")
    core().cancel(ref._id, force, recursive)


def nodes():
    """The cluster's nodes (alive and dead), as Ray's ray.nodes() shapes them."""
    out = []
    for n in core().nodes():
        resources = dict(n["resources_total"])
        out.append({
            "NodeID": n["node_id"].hex(),
            "Alive": n["alive"],
            "NodeManagerAddress": n["node_ip"],
            "NodeManagerHostname": n["hostname"],
            "NodeManagerPort": n["raylet_port"],
            "ObjectManagerPort": n["object_manager_port"],
            "MetricsExportPort": n["metrics_export_port"],
            "ObjectStoreSocketName": n["object_store_socket"],
            "Resources": resources,
            "IsHead": n["is_head"],
            "DeathReason": n["death_reason"],
        })
    return out


def jobs():
    """The cluster's jobs (running and finished), shaped as Ray's
    ray._private.state.jobs() entries (times in ms)."""
    return [{
        "JobID": j["job_id"].hex(),
        "IsDead": j["is_dead"],
        "DriverIPAddress": j["driver_ip"],
        "DriverPid": j["driver_pid"],
        "StartTime": j["start_time_ms"],
        "EndTime": j["end_time_ms"],
        "Entrypoint": j["entrypoint"],
        "Namespace": j["namespace"],
        "EndReason": j["end_reason"],
    } for j in core().jobs()]


def _sum(key):
    total = {}
    for n in core().nodes():
        if not n["alive"]:
            continue
        for name, amount in n[key].items():
            total[name] = total.get(name, 0) + amount
    return total


def cluster_resources():
    """Total resources of the alive nodes."""
    return _sum("resources_total")


def available_resources():
    """Resources free right now on the alive nodes (as last reported)."""
    return {k: v for k, v in _sum("resources_available").items() if v > 0}
