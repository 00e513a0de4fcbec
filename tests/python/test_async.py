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
