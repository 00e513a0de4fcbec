"""Concurrency groups: per-method limits on an actor's concurrent calls.

    @photon.remote(concurrency_groups={"io": 2})
    class A:
        @photon.method(concurrency_group="io")
        def read(self): ...      # at most 2 at a time
        def step(self): ...      # the default group: max_concurrency (1, or 1000 when async)

The core runs an actor's calls on max_concurrency threads and knows no
groups. An actor with groups gets enough threads for every group at once
(`core_max_concurrency`), and its worker holds each call to its group's
limit (`Limits`), so a busy group leaves the others their share.
"""

import asyncio
import threading

# Calls an actor with groups can have in flight (waiting on their group
# included) before a call of one group waits for a thread.
_MIN_THREADS = 1000


def check(groups):
    """`groups` as an option: None, or {name: max concurrency >= 1}."""
    if groups is None:
        return None
    if not isinstance(groups, dict):
        raise ValueError(f"concurrency_groups must be a dict of name to max concurrency, not {type(groups).__name__}")
    for name, size in groups.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"concurrency_groups: a group's name must be a non-empty string, not {name!r}")
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"concurrency_groups: group {name!r} needs an int max concurrency >= 1, not {size!r}")
    return dict(groups)


def check_member(group, groups, what):
    """ValueError unless `group` (None: the default) is one of `groups`
    (None: not known here, e.g. a handle from get_actor)."""
    if group is None or groups is None:
        return
    if not isinstance(group, str):
        raise ValueError(f"{what}: concurrency_group must be a string, not {type(group).__name__}")
    if group not in groups:
        valid = ", ".join(repr(g) for g in sorted(groups)) or "none"
        raise ValueError(f"{what}: unknown concurrency group {group!r} (the actor's groups: {valid})")


def core_max_concurrency(default_size, groups):
    """The threads the core gives an actor whose default group allows
    `default_size` calls at once and whose other groups are `groups`."""
    return max(_MIN_THREADS, default_size + sum(groups.values()))


class Limits:
    """In an actor's worker: each group's limit on calls running at once.
    Thread-safe; the asyncio semaphores are used only on the actor's loop."""

    def __init__(self, groups, default_size):
        self._sizes = dict(groups)
        self._sizes[None] = default_size
        self._threads = {name: threading.BoundedSemaphore(n) for name, n in self._sizes.items()}
        self._tasks = {name: asyncio.Semaphore(n) for name, n in self._sizes.items()}

    def check(self, group, what):
        check_member(group, [g for g in self._sizes if g is not None], what)

    def thread_slot(self, group):
        """A with-block holding one of `group`'s places (sync methods)."""
        return self._threads[group]

    async def run_async(self, group, coroutine):
        """Awaits `coroutine` holding one of `group`'s places (async methods)."""
        async with self._tasks[group]:
            return await coroutine
