"""Photon's exception types (the names of Ray's ``ray.exceptions``)."""

__all__ = [
    "PhotonError", "RayError", "TaskError", "RayTaskError", "ActorDiedError", "RayActorError",
    "WorkerCrashedError", "NodeDiedError", "ObjectLostError", "OwnerDiedError", "GetTimeoutError",
    "TaskCancelledError", "SchedulingError", "PhotonSystemError", "TaskPlacementGroupRemoved",
    "ActorPlacementGroupRemoved",
]


class PhotonError(Exception):
    """Base of every error Photon raises for a remote failure."""


class PhotonSystemError(PhotonError):
    """The cluster could not do what was asked (unreachable, refused...)."""


class TaskError(PhotonError):
    """A task (or actor method) raised. ``cause`` is the remote exception when
    it could be unpickled; the instance is also an instance of the cause's
    class, so ``except ValueError`` catches a remote ValueError, and it reads
    the cause's own fields (``err.code`` of an exception that set
    ``self.code``)."""

    def __init__(self, message, cause=None, function_name=""):
        super().__init__(message)
        self.message = message
        self.cause = cause
        self.function_name = function_name

    def __str__(self):
        return self.message

    def __reduce__(self):
        return (_rebuild_task_error, (self.message, self.cause, self.function_name))

    def as_instanceof_cause(self):
        """This error as an instance of both TaskError and the cause's class."""
        cause = self.cause
        # A task that re-raised a remote error (get() inside a task): the
        # user's exception is the innermost cause.
        while isinstance(cause, TaskError) and cause.cause is not None:
            cause = cause.cause
        if cause is None or isinstance(cause, TaskError):
            return self
        cause_cls = type(cause)
        if issubclass(TaskError, cause_cls) or isinstance(cause, TaskError):
            return self
        try:
            cls = _DUAL_CLASSES.get(cause_cls)
            if cls is None:
                cls = type(f"TaskError({cause_cls.__name__})", (TaskError, cause_cls), {
                    "__init__": TaskError.__init__,
                    "__str__": TaskError.__str__,
                    "__reduce__": TaskError.__reduce__,
                    "__getattr__": _cause_attribute,
                })
                _DUAL_CLASSES[cause_cls] = cls
            err = cls.__new__(cls)
            # Not TaskError.__init__: its super().__init__ would be the
            # cause class's, which may set fields of its own.
            err.message, err.cause, err.function_name = self.message, cause, self.function_name
            err.args = cause.args if cause.args else (self.message,)
            err.__cause__ = cause
            return err
        except TypeError:
            # A class that cannot be combined (a C type with its own layout).
            return self


_DUAL_CLASSES = {}


def _cause_attribute(self, name):
    # Called only for what the error itself lacks: the cause's fields.
    cause = self.__dict__.get("cause")
    if cause is None or name.startswith("__"):
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
    return getattr(cause, name)


def _rebuild_task_error(message, cause, function_name):
    return TaskError(message, cause, function_name).as_instanceof_cause()


class ActorDiedError(PhotonError):
    """The actor is dead (killed, its worker or node died, its constructor raised)."""


class WorkerCrashedError(PhotonError):
    """The worker running the task died and the retries ran out."""


class NodeDiedError(PhotonError):
    """The node running the task died and the retries ran out."""


class ObjectLostError(PhotonError):
    """Every copy of the object is gone and it cannot be rebuilt."""


class OwnerDiedError(ObjectLostError):
    """The process that owns the object is gone."""


class GetTimeoutError(PhotonError, TimeoutError):
    """get() or wait() ran out of time."""


class TaskCancelledError(PhotonError):
    """The task was cancelled."""


class SchedulingError(PhotonError):
    """The task or actor could not be scheduled (its worker could not start...)."""


class TaskPlacementGroupRemoved(PhotonError):
    """The task's placement group was removed before or while it ran."""


class ActorPlacementGroupRemoved(ActorDiedError):
    """The actor ended because its placement group was removed."""


# Ray's names, so code written for Ray catches the same errors.
RayError = PhotonError
RayTaskError = TaskError
RayActorError = ActorDiedError
