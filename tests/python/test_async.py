"""Async actors (methods run on an asyncio loop in the actor) and awaiting
ObjectRefs."""

import asyncio

import pytest

import photon


@photon.remote
def square(x):
    return x * x


@photon.remote
class AsyncGate:
    def __init__(self, expected):
        self.expected = expected
        self.arrived = 0
        self.open = asyncio.Event()

    async def enter(self, i):
        # Each call waits until `expected` calls are inside at once: this
        # only finishes if the actor runs that many calls concurrently.
        self.arrived += 1
        if self.arrived == self.expected:
            self.open.set()
        await asyncio.wait_for(self.open.wait(), timeout=60)
        return i

    async def square_remotely(self, x):
        return await square.remote(x)

    async def gather_squares(self, n):
        return await asyncio.gather(*[square.remote(i) for i in range(n)])

    def sync_method(self):
        return "sync"

    async def fail(self):
        await asyncio.sleep(0)
        raise KeyError("async failure")


def test_async_methods_run_concurrently_by_default(photon_local):
    # More than any thread pool default: asyncio's default max_concurrency (1000).
    gate = AsyncGate.remote(200)
    assert photon.get([gate.enter.remote(i) for i in range(200)], timeout=120) == list(range(200))


def test_max_concurrency_limits_async_actor(photon_local):
    gate = AsyncGate.options(max_concurrency=2).remote(3)
    refs = [gate.enter.remote(i) for i in range(2)]
    ready, _ = photon.wait(refs, num_returns=1, timeout=1)
    assert ready == []  # two in, the third needed to open the gate is not
    third = gate.enter.remote(2)
    ready, not_ready = photon.wait(refs + [third], num_returns=3, timeout=1)
    assert ready == [] and len(not_ready) == 3  # the third waits for a slot that never frees
    photon.kill(gate)


def test_await_refs_inside_async_actor(photon_local):
    a = AsyncGate.remote(1)
    assert photon.get(a.square_remotely.remote(7)) == 49
    assert photon.get(a.gather_squares.remote(5)) == [0, 1, 4, 9, 16]
    assert photon.get(a.sync_method.remote()) == "sync"


def test_async_method_errors(photon_local):
    a = AsyncGate.remote(1)
    with pytest.raises(KeyError, match="async failure"):
        photon.get(a.fail.remote())


def test_await_refs_from_driver(photon_local):
    async def main():
        a = AsyncGate.remote(1)
        return await a.square_remotely.remote(3), await square.remote(4)

    assert asyncio.run(main()) == (9, 16)


@photon.remote
class Sleeper:
    def __init__(self):
        self.cancelled = []
        self.started = set()

    async def nap(self, name, seconds):
        self.started.add(name)
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            self.cancelled.append(name)
            raise
        return name

    async def status(self):
        return sorted(self.started), list(self.cancelled)

    async def threads(self):
        import threading
        return threading.active_count()

    async def task_id(self):
        return photon.get_runtime_context().get_task_id()


def _wait_started(actor, name, timeout=30):
    import time
    deadline = time.monotonic() + timeout
    while name not in photon.get(actor.status.remote())[0]:
        assert time.monotonic() < deadline, f"{name} never started"
        time.sleep(0.05)


def test_waiting_coroutines_do_not_hold_a_thread_each(photon_local):
    a = Sleeper.remote()
    before = photon.get(a.threads.remote())
    naps = [a.nap.remote(i, 3) for i in range(500)]
    _wait_started(a, 499)
    during = photon.get(a.threads.remote())
    # A thread per waiting call would be 500 more; a few are the core's own.
    assert during - before < 20, (before, during)
    assert photon.get(naps, timeout=60) == list(range(500))


def test_each_coroutine_sees_its_own_task_id(photon_local):
    a = Sleeper.remote()
    refs = [a.task_id.remote() for _ in range(20)]
    ids = photon.get(refs)
    assert len(set(ids)) == 20 and all(ids)


def test_cancel_a_running_coroutine(photon_local):
    a = Sleeper.remote()
    long_nap = a.nap.remote("long", 600)
    _wait_started(a, "long")
    photon.cancel(long_nap)
    with pytest.raises(photon.exceptions.TaskCancelledError):
        photon.get(long_nap, timeout=30)
    # The coroutine itself saw CancelledError where it awaited; the actor goes on.
    assert photon.get(a.status.remote()) == (["long"], ["long"])
    assert photon.get(a.nap.remote("next", 0)) == "next"


def test_cancel_a_queued_call_of_an_async_actor(photon_local):
    a = Sleeper.options(max_concurrency=1).remote()
    first = a.nap.remote("first", 2)
    queued = a.nap.remote("queued", 0)
    photon.cancel(queued)
    with pytest.raises(photon.exceptions.TaskCancelledError):
        photon.get(queued, timeout=30)
    assert photon.get(first, timeout=30) == "first"
    assert "queued" not in photon.get(a.status.remote())[0]


def test_force_cancel_of_an_actor_call_is_refused(photon_local):
    a = Sleeper.remote()
    ref = a.nap.remote("x", 1)
    with pytest.raises(ValueError, match="force=True is not supported for actor calls"):
        photon.cancel(ref, force=True)
    assert photon.get(ref, timeout=30) == "x"


def test_pending_futures_do_not_hold_threads(photon_local):
    a = Sleeper.remote()
    never = a.nap.remote("never", 600)
    # Each pending future used to park a thread of a 32-thread pool in get:
    # past 32 of them, no other future could resolve.
    stuck = [never.future() for _ in range(100)]
    assert square.remote(3).future().result(timeout=60) == 9

    async def main():
        waiting = [asyncio.ensure_future(asyncio.wrap_future(never.future())) for _ in range(100)]
        value = await asyncio.wait_for(square.remote(4), timeout=60)
        for w in waiting:
            w.cancel()
        return value

    assert asyncio.run(main()) == 16
    assert not any(f.done() for f in stuck)
    photon.kill(a)


@photon.remote(resources={"never_here": 1})
def _never_placed():
    return "never runs"


@photon.remote
class Spawner:
    """Its calls submit a task that can never be placed and wait on it."""

    def __init__(self):
        self.children = {}

    async def spawn_async(self, key):
        self.children[key] = _never_placed.remote()
        return await self.children[key]

    async def submitted(self, key):
        return key in self.children

    async def child(self, key):
        return [self.children[key]]

    async def child_fate(self, key):
        try:
            photon.get(self.children[key], timeout=30)
            return "ran"
        except photon.exceptions.TaskCancelledError:
            return "cancelled"


def test_cancel_of_a_coroutine_call_cancels_the_tasks_it_submitted(photon_local):
    from testutil import wait_until
    a = Spawner.remote()
    call = a.spawn_async.remote("x")
    wait_until(lambda: photon.get(a.submitted.remote("x")), timeout=60, what="the call to submit its child")
    photon.cancel(call)  # recursive=True by default
    with pytest.raises(photon.exceptions.TaskCancelledError):
        photon.get(call, timeout=30)
    assert photon.get(a.child_fate.remote("x"), timeout=60) == "cancelled"


def test_cancel_without_recursion_leaves_the_child(photon_local):
    a = Spawner.remote()
    call = a.spawn_async.remote("y")
    from testutil import wait_until
    wait_until(lambda: photon.get(a.submitted.remote("y")), timeout=60, what="the call to submit its child")
    photon.cancel(call, recursive=False)
    with pytest.raises(photon.exceptions.TaskCancelledError):
        photon.get(call, timeout=30)
    # The child still waits for its resource: a short get times out.
    with pytest.raises(photon.exceptions.GetTimeoutError):
        photon.get(photon.get(a.child.remote("y"))[0], timeout=1)
