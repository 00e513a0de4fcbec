"""An actor's method calls in its worker: concurrency groups and retries of
exceptions, the two method options the core has no field for.

A call's options come with it (args.add_call_options): its
concurrency_group, and its max_task_retries and retry_exceptions. The
actor's own come with its constructor call: concurrency_groups, the default
group's max_concurrency, and the max_task_retries its methods default to.
"""

import asyncio
import functools
import inspect

from photon._private import concurrency_groups, retries


class MethodRunner:
    """Runs one actor's method calls. Thread-safe."""

    def __init__(self, actor_options, run, max_concurrency=1):
        """actor_options: the constructor call's options (may be empty).
        run(fn, args, kwargs): runs a call, coroutines on the actor's loop.
        max_concurrency: the actor's (coroutine calls at once, without groups)."""
        groups = actor_options.get("concurrency_groups")
        self._limits = concurrency_groups.Limits(groups, actor_options["max_concurrency"]) if groups else None
        self._max_task_retries = actor_options.get("max_task_retries") or 0
        self._run = run
        self._max_concurrency = max(1, max_concurrency or 1)
        self._slots = None  # an asyncio.Semaphore, made on the loop

    def call(self, name, fn, args, kwargs, call_options):
        """The result of the method `name` (bound: `fn`) called with `args`,
        `kwargs` and `call_options`."""
        if self._limits is None and not call_options:
            return self._run(fn, args, kwargs)  # the common case, kept short
        group = call_options.get("concurrency_group")
        if self._limits is not None:
            self._limits.check(group, f"actor method {name}")
        elif group is not None:
            raise ValueError(f"actor method {name}: unknown concurrency group {group!r} "
                             "(the actor has no concurrency_groups)")
        once = functools.partial(self._run_in_group, fn, args, kwargs, group)
        retry_on = call_options.get("retry_exceptions")
        if not retry_on:
            return once()
        return retries.call_with_retries(once, retry_on, call_options.get("max_task_retries", self._max_task_retries))

    def _run_in_group(self, fn, args, kwargs, group):
        if self._limits is None:
            return self._run(fn, args, kwargs)
        if inspect.iscoroutinefunction(fn):
            # Waits for a place on the actor's loop, not on this thread.
            return self._run(self._limits.run_async, (group, fn(*args, **kwargs)), {})
        with self._limits.thread_slot(group):
            return self._run(fn, args, kwargs)

    async def call_async(self, name, fn, args, kwargs, call_options):
        """On the actor's loop: the result of the coroutine method `name`."""
        if self._limits is None:
            if call_options.get("concurrency_group") is not None:
                raise ValueError(f"actor method {name}: unknown concurrency group "
                                 f"{call_options['concurrency_group']!r} (the actor has no concurrency_groups)")
            if self._slots is None:
                self._slots = asyncio.Semaphore(self._max_concurrency)
            once = functools.partial(self._in_slots, fn, args, kwargs)
        else:
            group = call_options.get("concurrency_group")
            self._limits.check(group, f"actor method {name}")
            once = lambda: self._limits.run_async(group, fn(*args, **kwargs))  # noqa: E731
        retry_on = call_options.get("retry_exceptions")
        if not retry_on:
            return await once()
        return await retries.call_with_retries_async(
            once, retry_on, call_options.get("max_task_retries", self._max_task_retries))

    async def _in_slots(self, fn, args, kwargs):
        async with self._slots:
            return await fn(*args, **kwargs)
