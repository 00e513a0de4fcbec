"""Running tasks and actor calls in a Python worker.

The core worker calls `execute(info, args)` for each task (with the GIL);
it returns (True, [(pickle, [buffers]) of each result]) or (False,
traceback text, pickled exception).
"""

import asyncio
import contextvars
import inspect
import os
import pickle
import sys
import threading
import traceback

from photon._private import actor_exit, actor_methods, async_calls, retries
from photon._private import args as call_args
from photon._private import function_manager
from photon._private import serialization
from photon._private.state import state

_local = threading.local()
# The task of an async actor's call, in its coroutine's context.
_async_task = contextvars.ContextVar("photon_async_task", default=None)


class TaskInfo:
    __slots__ = ("function_name", "task_id", "actor_id", "resources", "gpu_ids", "attempt", "depth")

    def __init__(self, info):
        (self.function_name, self.task_id, self.actor_id, _creation, _num_returns, self.attempt,
         self.resources, self.gpu_ids, _max_concurrency, self.depth) = info


def submit_in_task(submit, *args):
    """submit(*args), from the running coroutine call (if any) as the parent
    of what it submits, so that cancelling that call cancels them too (a
    thread's task is known to the core already)."""
    task = _async_task.get()
    if task is None:
        return submit(*args)
    return state.core.as_task(task.task_id, task.depth, submit, *args)


def current_task():
    """The TaskInfo of the task running on this thread or in this coroutine
    (None outside tasks)."""
    return _async_task.get() or getattr(_local, "task", None)


class _Actor:
    instance = None
    actor_id = b""
    resources = {}  # what the actor holds (its creation task's resources)
    loop = None  # the asyncio loop of an actor with async methods
    methods = None  # its actor_methods.MethodRunner

    @classmethod
    def start_loop(cls):
        cls.loop = asyncio.new_event_loop()
        threading.Thread(target=cls.loop.run_forever, name="photon-actor-loop", daemon=True).start()

    @classmethod
    def serve_on_loop(cls, core):
        """Coroutine calls start on the loop from now on, without a thread each."""
        calls = async_calls.AsyncCalls(cls.loop, cls.instance, _run_async_call, _cancelled)
        core.set_async_executor(calls.start, calls.cancel)


def actor_id():
    return _Actor.actor_id


def assigned_resources():
    """The resources the running task holds; in an actor, the actor's (its
    method calls carry none of their own). {} outside tasks."""
    task = current_task()
    if task is None:
        return {}
    if _Actor.actor_id:
        return dict(_Actor.resources)
    return dict(task.resources)


def _results(value, num_returns, name):
    if num_returns == 1:
        return [serialization.pickle_result(value, state.core)]
    if num_returns == 0:
        return []
    if not isinstance(value, (tuple, list)) or len(value) != num_returns:
        raise ValueError(f"{name} has num_returns={num_returns} but returned "
                         f"{type(value).__name__ if not isinstance(value, (tuple, list)) else len(value)} "
                         f"{'values' if isinstance(value, (tuple, list)) else ''}".rstrip())
    return [serialization.pickle_result(v, state.core) for v in value]


def _run(fn, args, kwargs):
    result = fn(*args, **kwargs)
    if inspect.iscoroutine(result):
        if _Actor.loop is None:
            return asyncio.run(result)
        return asyncio.run_coroutine_threadsafe(result, _Actor.loop).result()
    return result


def _call_method(name, args, kwargs, call_options):
    if name == "__ray_ready__":  # Ray's: resolves once the actor is constructed
        return True
    if name == "__ray_terminate__":  # Ray's: ends the actor after the calls before it
        actor_exit.exit_current(_Actor.actor_id)
    fn = getattr(_Actor.instance, name, None)
    if fn is None:
        raise AttributeError(f"actor {type(_Actor.instance).__name__} has no method '{name}'")
    return _Actor.methods.call(name, fn, args, kwargs, call_options)


def execute(info, values):
    task = TaskInfo(info)
    _local.task = task
    name, _, actor, creation, num_returns = info[0], info[1], info[2], info[3], info[4]
    core = state.core
    call_options = {}
    try:
        name, args, kwargs, call_options = call_args.decode(values, name)
        if creation:
            cls = function_manager.load(core, name)
            _Actor.actor_id = actor
            _Actor.resources = dict(task.resources)
            if function_manager.is_async_class(cls):
                _Actor.start_loop()
            _Actor.methods = actor_methods.MethodRunner(call_options, _run, info[8])
            _Actor.instance = cls(*args, **kwargs)
            if _Actor.loop is not None:
                _Actor.serve_on_loop(core)
            return (True, [])
        if actor:
            result = _call_method(name, args, kwargs, call_options)
            return (True, _results(result, num_returns, name))
        fn = function_manager.load(core, name)
        result = _run(fn, args, kwargs)
        return (True, _results(result, num_returns, getattr(fn, "__name__", name)))
    except SystemExit:
        if actor and not creation:
            _exit_worker()  # sys.exit() in a method: the caller sees the actor die
        return (False, "the task called sys.exit()", b"")
    except BaseException as e:  # reported to the caller
        return _failure(e, bool(actor), call_options)
    finally:
        _local.task = None
        sys.stdout.flush()
        sys.stderr.flush()


def _exit_worker():
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _failure(e, is_actor_call, call_options):
    """The outcome of a call that raised `e`."""
    text = "".join(traceback.format_exception(type(e), e, e.__traceback__))
    try:
        value = pickle.dumps(e, protocol=5)
    except Exception:
        try:
            import cloudpickle
            value = cloudpickle.dumps(e, protocol=5)
        except Exception:
            value = b""
    retry_on = call_options.get("retry_exceptions")
    # Submitted to be retried on any exception: is this one listed?
    retryable = is_actor_call or not isinstance(retry_on, tuple) or retries.matches(e, retry_on)
    return (False, text, value, retryable)


def _cancelled(info):
    name = info[0].split("?", 1)[0]
    return (False, f"actor call {name} was cancelled", b"", False, True)


async def _run_async_call(info, values):
    """The outcome of an async actor's coroutine call, run on its loop."""
    _async_task.set(TaskInfo(info))
    name, num_returns = info[0], info[4]
    call_options = {}
    try:
        name, args, kwargs, call_options = call_args.decode(values, name)
        fn = getattr(_Actor.instance, name)
        result = await _Actor.methods.call_async(name, fn, args, kwargs, call_options)
        return (True, _results(result, num_returns, name))
    except asyncio.CancelledError:
        return _cancelled(info)
    except SystemExit:
        _exit_worker()
    except BaseException as e:  # reported to the caller
        return _failure(e, True, call_options)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
