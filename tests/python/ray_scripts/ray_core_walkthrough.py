"""An ordinary Ray core script: only `import ray` APIs, nothing Photon-specific.
tests/python/test_ray_compat.py runs it unchanged on Photon."""

import asyncio
import time

import numpy as np
import ray
from ray.util.placement_group import placement_group, remove_placement_group
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

ray.init(num_cpus=4)


@ray.remote
def square(x):
    return x * x


@ray.remote(num_returns=2)
def split(values):
    half = len(values) // 2
    return values[:half], values[half:]


@ray.remote
def normalize(matrix):
    return matrix / matrix.sum()


@ray.remote
class Accumulator:
    def __init__(self):
        self.total = 0

    def add(self, value):
        self.total += value
        return self.total

    def total_(self):
        return self.total


@ray.remote
class AsyncFetcher:
    async def fetch(self, i):
        await asyncio.sleep(0.01)
        return i * 10


@ray.remote(max_retries=2, retry_exceptions=True)
def sometimes_fails(counter):
    n = ray.get(counter.add.remote(1))
    if n < 2:
        raise RuntimeError("transient")
    return n


# Tasks and ray.get.
assert ray.get([square.remote(i) for i in range(10)]) == [i * i for i in range(10)]

# Multiple returns.
left, right = split.remote(list(range(6)))
assert ray.get(left) == [0, 1, 2] and ray.get(right) == [3, 4, 5]

# Large objects through the object store.
matrix_ref = ray.put(np.ones((512, 512)))
normalized = ray.get(normalize.remote(matrix_ref))
assert abs(normalized.sum() - 1.0) < 1e-9

# ray.wait as a work queue.
pending = [square.remote(i) for i in range(8)]
results = []
while pending:
    done, pending = ray.wait(pending, num_returns=1, timeout=30)
    results.extend(ray.get(done))
assert sorted(results) == [i * i for i in range(8)]

# Actors.
acc = Accumulator.remote()
for i in range(5):
    acc.add.remote(i)
assert ray.get(acc.total_.remote()) == 10

fetcher = AsyncFetcher.remote()
assert ray.get([fetcher.fetch.remote(i) for i in range(5)]) == [0, 10, 20, 30, 40]

# Named actors.
named = Accumulator.options(name="global_acc").remote()
ray.get(named.add.remote(7))
assert ray.get(ray.get_actor("global_acc").total_.remote()) == 7

# Errors.
@ray.remote
def broken():
    raise ValueError("expected failure")


try:
    ray.get(broken.remote())
    raise AssertionError("no error")
except ValueError as e:
    assert isinstance(e, ray.exceptions.RayTaskError)

assert ray.get(ray.put(1), timeout=5) == 1

# Retries of application errors.
counter = Accumulator.remote()
assert ray.get(sometimes_fails.remote(counter)) == 2

# Options.
heavy = square.options(num_cpus=2)
assert ray.get(heavy.remote(3)) == 9

# Placement groups.
pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="PACK")
ray.get(pg.ready(), timeout=60)
in_pg = square.options(scheduling_strategy=PlacementGroupSchedulingStrategy(
    placement_group=pg, placement_group_bundle_index=0)).remote(4)
assert ray.get(in_pg) == 16
remove_placement_group(pg)

# Cluster state and the runtime context.
assert ray.is_initialized()
assert ray.cluster_resources()["CPU"] == 4
assert len(ray.nodes()) == 1
assert ray.get_runtime_context().get_job_id()

# Killing an actor.
ray.kill(acc)
deadline = time.time() + 30
while True:  # calls sent before the kill lands may still be answered
    try:
        ray.get(acc.total_.remote(), timeout=30)
    except ray.exceptions.RayActorError:
        break
    assert time.time() < deadline, "killed actor kept answering"
    time.sleep(0.05)

ray.shutdown()
print("RAY SCRIPT OK")
