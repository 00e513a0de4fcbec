"""An async actor's coroutine calls, run on the actor's event loop.

The core's reading thread hands each call over as it arrives (with the
GIL): `start(info, values, done)` schedules a call of a coroutine method on
the loop and returns True, without waiting for it; the loop calls
`done(outcome)` once the call ends, and the core replies from there. Calls
of other methods (start returns False) run on the core's threads as in a
threaded actor. `cancel(task_id)` cancels a call on the loop: its coroutine
gets CancelledError where it awaits, and its caller TaskCancelledError.
"""

import asyncio
import collections
import inspect
import threading


class AsyncCalls:
    def __init__(self, loop, instance, run_call, cancelled_outcome):
        """run_call(info, values): a coroutine giving the call's outcome;
        cancelled_outcome(info): the outcome of a call cancelled before it
        could give one."""
        self._loop = loop
        self._instance = instance
        self._run_call = run_call
        self._cancelled_outcome = cancelled_outcome
        self._is_coroutine = {}  # method name -> bool
        self._running = {}  # task id -> asyncio.Task (loop only)
        self._lock = threading.Lock()
        self._started = set()  # task ids handed to the loop, not ended
        # Calls handed over, not begun; the loop is woken once per batch.
        self._incoming = collections.deque()
        self._wake_pending = False

    def start(self, info, values, done):
        name = info[0].split("?", 1)[0]
        is_coroutine = self._is_coroutine.get(name)
        if is_coroutine is None:
            method = getattr(self._instance, name, None)
            is_coroutine = self._is_coroutine[name] = inspect.iscoroutinefunction(method)
        if not is_coroutine:
            return False
        with self._lock:
            self._started.add(info[1])
        self._incoming.append((info, values, done))
        if not self._wake_pending:
            self._wake_pending = True
            self._loop.call_soon_threadsafe(self._begin_incoming)
        return True

    def cancel(self, task_id):
        """True when the call `task_id` runs (or is about to) on the loop."""
        with self._lock:
            if task_id not in self._started:
                return False
        self._loop.call_soon_threadsafe(self._cancel_on_loop, task_id)
        return True

    def _begin_incoming(self):
        self._wake_pending = False  # (before taking: a call added meanwhile wakes the loop again)
        while self._incoming:
            info, values, done = self._incoming.popleft()
            self._running[info[1]] = self._loop.create_task(self._run(info, values, done))

    async def _run(self, info, values, done):
        try:
            outcome = await self._run_call(info, values)
        except asyncio.CancelledError:  # cancelled before it began
            outcome = self._cancelled_outcome(info)
        finally:
            self._running.pop(info[1], None)
            with self._lock:
                self._started.discard(info[1])
        done(outcome)

    def _cancel_on_loop(self, task_id):
        task = self._running.get(task_id)
        if task is not None:
            task.cancel()
