"""photon.util.ActorPool and photon.util.queue.Queue, as Ray's ray.util has them."""

import asyncio
import queue as stdlib_queue

import pytest

import photon
from photon.exceptions import ActorDiedError
from photon.util import ActorPool
from photon.util.queue import Empty, Full, Queue


@photon.remote
class Doubler:
    def double(self, v):
        return 2 * v


@photon.remote
class Gate:
    """Calls of `passing` wait until `open` is called."""

    def __init__(self):
        self.event = None

    async def passing(self, v):
        self.event = self.event or asyncio.Event()
        await self.event.wait()
        return v

    async def open(self):
        self.event = self.event or asyncio.Event()
        self.event.set()


def test_pool_map_keeps_submission_order(photon_local):
    pool = ActorPool([Doubler.remote() for _ in range(2)])
    assert list(pool.map(lambda a, v: a.double.remote(v), range(10))) == [2 * v for v in range(10)]
    assert sorted(pool.map_unordered(lambda a, v: a.double.remote(v), range(10))) == [2 * v for v in range(10)]
    assert not pool.has_next()


def test_pool_submit_queues_when_every_actor_is_busy(photon_local):
    actors = [Doubler.remote() for _ in range(2)]
    pool = ActorPool(actors)
    assert pool.has_free()
    for v in range(5):
        pool.submit(lambda a, v: a.double.remote(v), v)
    assert not pool.has_free() and pool.pop_idle() is None
    assert [pool.get_next() for _ in range(5)] == [0, 2, 4, 6, 8]
    assert not pool.has_next()
    with pytest.raises(StopIteration):
        pool.get_next()
    with pytest.raises(StopIteration):
        pool.get_next_unordered()


def test_pool_timeouts(photon_local):
    gate = Gate.remote()
    pool = ActorPool([gate])
    pool.submit(lambda a, v: a.passing.remote(v), "through")
    # The gate is shut: no result can be ready.
    with pytest.raises(TimeoutError):
        pool.get_next(timeout=0.1)
    with pytest.raises(TimeoutError):
        pool.get_next_unordered(timeout=0.1)
    assert pool.has_next()
    photon.get(gate.open.remote())
    assert pool.get_next(timeout=60) == "through"

    # The one actor runs "first"; "second" waits for it.
    pool.submit(lambda a, v: a.passing.remote(v), "first")
    pool.submit(lambda a, v: a.passing.remote(v), "second")
    assert pool.get_next_unordered(timeout=60) == "first"
    assert pool.get_next(timeout=60) == "second"


def test_pool_ignore_if_timedout_frees_the_actor(photon_local):
    gate = Gate.remote()
    pool = ActorPool([gate])
    pool.submit(lambda a, v: a.passing.remote(v), 1)
    with pytest.raises(TimeoutError):
        pool.get_next(timeout=0, ignore_if_timedout=True)
    assert not pool.has_next() and pool.has_free()


def test_pool_pop_idle_and_push(photon_local):
    a, b = Doubler.remote(), Doubler.remote()
    pool = ActorPool([a])
    taken = pool.pop_idle()
    assert taken == a and not pool.has_free()
    pool.push(taken)
    pool.push(b)
    with pytest.raises(ValueError, match="already in the pool"):
        pool.push(a)
    with pytest.raises(TypeError, match="ObjectRef"):
        pool.submit(lambda actor, v: v, 1)
    assert pool.has_free()


def test_queue_put_get_and_sizes(photon_local):
    q = Queue(maxsize=2)
    assert q.empty() and not q.full() and q.size() == 0
    q.put(1)
    q.put_nowait(2)
    assert q.full() and q.qsize() == 2 and len(q) == 2
    assert q.get() == 1 and q.get_nowait() == 2
    assert q.empty()
    q.shutdown()


def test_queue_empty_and_full(photon_local):
    q = Queue(maxsize=1)
    with pytest.raises(Empty):
        q.get(block=False)
    with pytest.raises(stdlib_queue.Empty):
        q.get_nowait()
    with pytest.raises(Empty):
        q.get(timeout=0.1)  # nothing is ever put
    q.put("only")
    with pytest.raises(Full):
        q.put("more", block=False)
    with pytest.raises(stdlib_queue.Full):
        q.put_nowait("more")
    with pytest.raises(Full):
        q.put("more", timeout=0.1)  # nothing is ever taken
    assert q.get() == "only"
    q.shutdown()


def test_queue_batches(photon_local):
    q = Queue(maxsize=3)
    q.put_nowait_batch([1, 2])
    with pytest.raises(Full, match="2 items"):
        q.put_nowait_batch([3, 4])
    assert q.size() == 2
    with pytest.raises(Empty, match="3 items"):
        q.get_nowait_batch(3)
    assert q.get_nowait_batch(2) == [1, 2]
    assert q.get_nowait_batch(0) == []
    q.shutdown()


def test_queue_async_calls(photon_local):
    q = Queue()

    async def roundtrip():
        await q.put_async("a")
        await q.put_async("b", timeout=5)
        got = [await q.get_async(), await q.get_async(timeout=5)]
        with pytest.raises(Empty):
            await q.get_async(block=False)
        return got

    assert asyncio.run(roundtrip()) == ["a", "b"]
    q.shutdown()


def test_queue_is_shared_with_tasks(photon_local):
    q = Queue()

    @photon.remote
    def produce(queue, n):
        for i in range(n):
            queue.put(i)
        return n

    ref = produce.remote(q, 5)
    assert [q.get(timeout=60) for _ in range(5)] == list(range(5))
    assert photon.get(ref) == 5
    q.shutdown()


def test_queue_bad_arguments(photon_local):
    q = Queue()
    with pytest.raises(ValueError, match="timeout"):
        q.get(timeout=-1)
    with pytest.raises(ValueError, match="timeout"):
        q.put(1, timeout=-1)
    with pytest.raises(TypeError, match="num_items"):
        q.get_nowait_batch("3")
    with pytest.raises(ValueError, match="num_items"):
        q.get_nowait_batch(-1)
    with pytest.raises(TypeError, match="iterable"):
        q.put_nowait_batch(5)
    with pytest.raises(TypeError, match="maxsize"):
        Queue(maxsize="10")
    q.shutdown()


def test_queue_shutdown_ends_its_actor(photon_local):
    q = Queue()
    actor = q.actor
    q.put(1)
    q.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        q.get()
    with pytest.raises(ActorDiedError):
        photon.get(actor.qsize.remote(), timeout=60)
    forced = Queue()
    forced_actor = forced.actor
    forced.shutdown(force=True)
    with pytest.raises(ActorDiedError):
        photon.get(forced_actor.qsize.remote(), timeout=60)
