"""Queue: a first-in, first-out queue that tasks and actors share (Ray's
ray.util.queue), kept by an async actor.

    from photon.util.queue import Queue, Empty

    q = Queue(maxsize=100)
    q.put(1)
    consumer.remote(q)           # the queue travels to tasks and actors
    item = q.get(timeout=5)      # Empty when nothing came within 5 s

Empty and Full are subclasses of the standard library's queue.Empty and
queue.Full. Each call is a call of the queue's actor.
"""

import asyncio
import collections.abc
import queue as _stdlib_queue

from photon._private import worker
from photon.actor import ActorClass, kill


class Empty(_stdlib_queue.Empty):
    """get() found nothing (within its timeout, or at once with block=False)."""


class Full(_stdlib_queue.Full):
    """put() found no room (within its timeout, or at once with block=False)."""


class Queue:
    def __init__(self, maxsize=0, actor_options=None):
        """maxsize: the most items held (0 or less: no limit). actor_options:
        .options() of the queue's actor (num_cpus, name, ...)."""
        if not isinstance(maxsize, int) or isinstance(maxsize, bool):
            raise TypeError(f"Queue: maxsize must be an int, not {type(maxsize).__name__}")
        self.maxsize = maxsize
        self.actor = ActorClass(_QueueActor, {}).options(**(actor_options or {})).remote(maxsize)

    def __len__(self):
        return self.size()

    def size(self):
        """The number of items in the queue."""
        return worker.get(self._actor().qsize.remote())

    def qsize(self):
        return self.size()

    def empty(self):
        return worker.get(self._actor().empty.remote())

    def full(self):
        return worker.get(self._actor().full.remote())

    def put(self, item, block=True, timeout=None):
        """Adds `item`; waits for room when full (at most `timeout` seconds,
        then Full), or with block=False raises Full at once."""
        ref = self._put_call(item, block, timeout)
        try:
            worker.get(ref)
        except Full:
            raise Full(_full_message(block, timeout)) from None

    async def put_async(self, item, block=True, timeout=None):
        """put() for coroutines."""
        ref = self._put_call(item, block, timeout)
        try:
            await ref
        except Full:
            raise Full(_full_message(block, timeout)) from None

    def get(self, block=True, timeout=None):
        """Removes and returns the oldest item; waits for one when empty (at
        most `timeout` seconds, then Empty), or with block=False raises Empty
        at once."""
        ref = self._get_call(block, timeout)
        try:
            return worker.get(ref)
        except Empty:
            raise Empty(_empty_message(block, timeout)) from None

    async def get_async(self, block=True, timeout=None):
        """get() for coroutines."""
        ref = self._get_call(block, timeout)
        try:
            return await ref
        except Empty:
            raise Empty(_empty_message(block, timeout)) from None

    def put_nowait(self, item):
        return self.put(item, block=False)

    def get_nowait(self):
        return self.get(block=False)

    def put_nowait_batch(self, items):
        """Adds all of `items` at once, or none (Full) when they do not fit."""
        if not isinstance(items, collections.abc.Iterable):
            raise TypeError(f"put_nowait_batch: items must be an iterable, not {type(items).__name__}")
        try:
            worker.get(self._actor().put_nowait_batch.remote(list(items)))
        except Full as e:
            raise Full(str(e.cause)) from None

    def get_nowait_batch(self, num_items):
        """Removes and returns the `num_items` oldest items, or none (Empty)
        when there are fewer."""
        if not isinstance(num_items, int) or isinstance(num_items, bool):
            raise TypeError(f"get_nowait_batch: num_items must be an int, not {type(num_items).__name__}")
        if num_items < 0:
            raise ValueError(f"get_nowait_batch: num_items must be >= 0, not {num_items}")
        try:
            return worker.get(self._actor().get_nowait_batch.remote(num_items))
        except Empty as e:
            raise Empty(str(e.cause)) from None

    def shutdown(self, force=False, grace_period_s=5):
        """Ends the queue's actor: at once with force, else after the calls
        it runs, killing it if it has not ended within grace_period_s."""
        if self.actor is None:
            return
        actor, self.actor = self.actor, None
        if not force:
            done, _ = worker.wait([actor.__ray_terminate__.remote()], timeout=grace_period_s)
            if done:
                return
        kill(actor, no_restart=True)

    def _actor(self):
        if self.actor is None:
            raise RuntimeError("this Queue was shut down")
        return self.actor

    def _put_call(self, item, block, timeout):
        if not block:
            return self._actor().put_nowait.remote(item)
        return self._actor().put.remote(item, _checked(timeout))

    def _get_call(self, block, timeout):
        if not block:
            return self._actor().get_nowait.remote()
        return self._actor().get.remote(_checked(timeout))


def _checked(timeout):
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
        raise ValueError(f"timeout must be None or a number >= 0, not {timeout!r}")
    return timeout


def _full_message(block, timeout):
    return "the queue is full" if not block or timeout is None else f"the queue stayed full for {timeout} s"


def _empty_message(block, timeout):
    return "the queue is empty" if not block or timeout is None else f"the queue stayed empty for {timeout} s"


class _QueueActor:
    """The queue itself, in its actor. Every method is async, so all of them
    run on the actor's event loop (asyncio.Queue is not thread-safe) and a
    get or put that waits does not hold the others up."""

    def __init__(self, maxsize):
        self.maxsize = maxsize
        self.queue = asyncio.Queue(maxsize)

    async def qsize(self):
        return self.queue.qsize()

    async def empty(self):
        return self.queue.empty()

    async def full(self):
        return self.queue.full()

    async def put(self, item, timeout=None):
        try:
            await asyncio.wait_for(self.queue.put(item), timeout)
        except asyncio.TimeoutError:
            raise Full() from None

    async def get(self, timeout=None):
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            raise Empty() from None

    async def put_nowait(self, item):
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            raise Full() from None

    async def get_nowait(self):
        try:
            return self.queue.get_nowait()
        except asyncio.QueueEmpty:
            raise Empty() from None

    async def put_nowait_batch(self, items):
        if self.maxsize > 0 and len(items) + self.queue.qsize() > self.maxsize:
            raise Full(f"cannot add {len(items)} items to a queue holding {self.queue.qsize()} "
                       f"of at most {self.maxsize}")
        for item in items:
            self.queue.put_nowait(item)

    async def get_nowait_batch(self, num_items):
        if num_items > self.queue.qsize():
            raise Empty(f"cannot get {num_items} items from a queue holding {self.queue.qsize()}")
        return [self.queue.get_nowait() for _ in range(num_items)]
