"""Turns a core status into the Python exception to raise (called by the
binding for every non-OK status: the one place this happens)."""

import pickle

from photon import exceptions

_BY_KIND = {
    "WorkerCrashedError": exceptions.WorkerCrashedError,
    "NodeDiedError": exceptions.NodeDiedError,
    "ObjectLostError": exceptions.ObjectLostError,
    "OwnerDiedError": exceptions.OwnerDiedError,
    "TaskCancelledError": exceptions.TaskCancelledError,
    "GetTimeoutError": exceptions.GetTimeoutError,
    "SchedulingError": exceptions.SchedulingError,
    "ActorDiedError": exceptions.ActorDiedError,
    "TaskPlacementGroupRemoved": exceptions.TaskPlacementGroupRemoved,
    "ActorPlacementGroupRemoved": exceptions.ActorPlacementGroupRemoved,
}

_BY_CODE = {
    "INVALID_ARGUMENT": ValueError,
    "NOT_FOUND": ValueError,
    "ALREADY_EXISTS": ValueError,
    "OUT_OF_RANGE": ValueError,
    "FAILED_PRECONDITION": RuntimeError,
    "DEADLINE_EXCEEDED": exceptions.GetTimeoutError,
    "CANCELLED": exceptions.TaskCancelledError,
    "RESOURCE_EXHAUSTED": MemoryError,
}


def from_status(code, kind, message, value):
    if kind == "TaskError":
        cause = None
        if value:
            try:
                cause = pickle.loads(value)
            except Exception:  # the exception's class is not importable here
                cause = None
        return exceptions.TaskError(message, cause).as_instanceof_cause()
    if kind in _BY_KIND:
        return _BY_KIND[kind](message)
    return _BY_CODE.get(code, exceptions.PhotonSystemError)(message)
