"""ActorPool: spreads calls over a fixed set of actors (Ray's ray.util.ActorPool).

    pool = ActorPool([Worker.remote() for _ in range(4)])
    print(list(pool.map(lambda actor, v: actor.double.remote(v), range(10))))

Each submitted call goes to an idle actor, or waits until one is free.
Results come back in submission order (get_next, map) or as they finish
(get_next_unordered, map_unordered). Thread-compatible.
"""

from photon._private import worker
from photon._private.object_ref import ObjectRef


class ActorPool:
    def __init__(self, actors):
        self._idle = list(actors)
        self._running = {}        # ObjectRef -> (submission index, actor)
        # Submission index -> ObjectRef of the calls not yet returned, oldest
        # first (indexes are added in increasing order).
        self._by_index = {}
        self._next_index = 0
        self._waiting = []        # (fn, value) submitted while no actor was idle

    def map(self, fn, values):
        """Runs fn(actor, value) for each value; yields the results in order.
        Results of earlier submissions not yet read are dropped."""
        self._drop_pending()
        for v in values:
            self.submit(fn, v)
        return self._results(self.get_next)

    def map_unordered(self, fn, values):
        """Like map, yielding each result as soon as it is ready."""
        self._drop_pending()
        for v in values:
            self.submit(fn, v)
        return self._results(self.get_next_unordered)

    def submit(self, fn, value):
        """Runs fn(actor, value) on an idle actor (fn calls one of its methods
        with .remote and returns the ObjectRef), or once one is free."""
        if not self._idle:
            self._waiting.append((fn, value))
            return
        actor = self._idle.pop()
        ref = fn(actor, value)
        if not isinstance(ref, ObjectRef):
            self._idle.append(actor)
            raise TypeError(f"ActorPool: fn must return the ObjectRef of an actor call "
                            f"(actor.method.remote(...)), not {type(ref).__name__}")
        self._running[ref] = (self._next_index, actor)
        self._by_index[self._next_index] = ref
        self._next_index += 1

    def has_next(self):
        """Whether results are still to be read."""
        return bool(self._running)

    def get_next(self, timeout=None, ignore_if_timedout=False):
        """The result of the oldest call not yet returned (submission order).
        TimeoutError when it is not ready within `timeout` seconds (with
        ignore_if_timedout, that call's result is dropped and its actor
        returns to the pool)."""
        if not self.has_next():
            raise StopIteration("ActorPool: no more results to get")
        ref = next(iter(self._by_index.values()))
        if timeout is not None:
            ready, _ = worker.wait([ref], timeout=timeout)
            if not ready:
                if not ignore_if_timedout:
                    raise TimeoutError(f"ActorPool: the next result was not ready within {timeout} s")
                self._finish(ref)
                raise TimeoutError(f"ActorPool: the next result was not ready within {timeout} s; "
                                   "that call's result is dropped")
        self._finish(ref)
        return worker.get(ref)

    def get_next_unordered(self, timeout=None, ignore_if_timedout=False):
        """The result of any finished call (the first to finish). TimeoutError
        when none is ready within `timeout` seconds."""
        del ignore_if_timedout  # nothing is dropped: no call was chosen
        if not self.has_next():
            raise StopIteration("ActorPool: no more results to get")
        ready, _ = worker.wait(list(self._running), num_returns=1, timeout=timeout)
        if not ready:
            raise TimeoutError(f"ActorPool: no result was ready within {timeout} s")
        self._finish(ready[0])
        return worker.get(ready[0])

    def has_free(self):
        """Whether an actor is idle and no submission waits for one."""
        return bool(self._idle) and not self._waiting

    def pop_idle(self):
        """Takes an idle actor out of the pool (None when none is free)."""
        return self._idle.pop() if self.has_free() else None

    def push(self, actor):
        """Adds an actor to the pool (it takes a waiting submission, if any)."""
        busy = [a for _, a in self._running.values()]
        if any(actor == a for a in self._idle + busy):
            raise ValueError(f"ActorPool: {actor!r} is already in the pool")
        self._return(actor)

    def _finish(self, ref):
        """Forgets the call making `ref` and frees its actor."""
        index, actor = self._running.pop(ref)
        del self._by_index[index]
        self._return(actor)

    def _return(self, actor):
        self._idle.append(actor)
        if self._waiting:
            self.submit(*self._waiting.pop(0))

    def _drop_pending(self):
        """Drops the results not yet read (and the submissions waiting for an
        actor); the actors take new calls after the ones they run."""
        while self._running:
            self._finish(next(iter(self._running)))

    def _results(self, next_result):
        while self.has_next():
            yield next_result()
