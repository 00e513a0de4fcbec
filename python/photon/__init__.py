"""Photon: tasks, actors and objects on a cluster, with Ray's core API.

    import photon
    photon.init()

    @photon.remote
    def square(x):
        return x * x

    print(photon.get([square.remote(i) for i in range(4)]))

`import photon as ray` runs ordinary Ray core scripts.
"""

import inspect as _inspect

from photon import exceptions, util
from photon._private.object_ref import ObjectRef
from photon._private.worker import (available_resources, cancel, cluster_resources, get, init, is_initialized,
                                    nodes, put, shutdown, wait)
from photon.actor import ActorClass, ActorHandle, exit_actor, get_actor, kill, method
from photon.remote_function import RemoteFunction
from photon.runtime_context import get_gpu_ids, get_runtime_context

__version__ = "0.1.0"


def remote(*args, **options):
    """Makes a function a remote function or a class an actor class.

    @photon.remote, or @photon.remote(num_cpus=2, ...) with the options of
    Ray's ray.remote."""
    if len(args) == 1 and not options and callable(args[0]):
        return _make_remote(args[0], {})
    if args:
        raise TypeError("remote() takes a function or class, or only keyword options: "
                        "@photon.remote or @photon.remote(num_cpus=1)")

    def decorator(obj):
        return _make_remote(obj, options)
    return decorator


def _make_remote(obj, options):
    if _inspect.isclass(obj):
        return ActorClass(obj, options)
    if _inspect.isfunction(obj) or _inspect.isbuiltin(obj) or callable(obj):
        return RemoteFunction(obj, options)
    raise TypeError(f"remote() takes a function or a class, not {type(obj).__name__}")


__all__ = [
    "init", "shutdown", "is_initialized", "remote", "get", "put", "wait", "kill", "cancel", "get_actor",
    "nodes", "cluster_resources", "available_resources", "get_runtime_context", "get_gpu_ids", "method",
    "exit_actor", "ObjectRef", "ActorHandle", "ActorClass", "RemoteFunction", "exceptions", "util",
]
