"""`photon microbenchmark`: Ray's core microbenchmark workloads through the
Python API, printed with Ray's metric names (per second, mean +- std of
several timed trials).

    photon microbenchmark [--trials 3] [--seconds 1.5] [--only NAME]
"""

import argparse
import mmap
import os
import time

import numpy as np

import photon

SMALL = 0


@photon.remote
def small_value():
    return b"ok"


@photon.remote
def small_value_arg(x):
    return b"ok"


@photon.remote(num_cpus=0)
class Actor:
    def small_value(self):
        return b"ok"

    def small_value_arg(self, x):
        return b"ok"

    def small_value_batch(self, n):
        photon.get([small_value.remote() for _ in range(n)])

    def call_actors(self, actors, n):
        photon.get([actors[i % len(actors)].small_value.remote() for i in range(n)])


@photon.remote(num_cpus=0)
class AsyncActor:
    async def small_value(self):
        return b"ok"


@photon.remote(num_cpus=0)
class Client:
    def __init__(self, servers):
        self.servers = servers if isinstance(servers, list) else [servers]

    def small_value_batch(self, n):
        photon.get([self.servers[i % len(self.servers)].small_value.remote() for i in range(n)])

    def small_value_batch_arg(self, n):
        x = photon.put(0)
        photon.get([self.servers[i % len(self.servers)].small_value_arg.remote(x) for i in range(n)])

    def tasks_batch(self, n):
        photon.get([small_value.remote() for _ in range(n)])


def timeit(name, fn, multiplier=1, trials=3, seconds=1.5, unit="per second"):
    """Runs fn repeatedly for `seconds`, `trials` times; prints and returns
    (name, mean rate, std) where a call counts `multiplier`."""
    fn()  # warm up
    rates = []
    for _ in range(trials):
        count = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            fn()
            count += 1
        rates.append(count * multiplier / (time.perf_counter() - start))
    mean = sum(rates) / len(rates)
    std = (sum((r - mean) ** 2 for r in rates) / len(rates)) ** 0.5
    print(f"{name:<42} {mean:14,.1f} +- {std:10,.1f} {unit}", flush=True)
    return name, mean, std


def memcpy_gigabytes_per_second(arr, huge_pages):
    """Best of 3 copies of `arr` into a pre-faulted buffer: ordinary 4 KiB
    pages (like the store's shared memory), or NumPy's own allocation
    (transparent huge pages where the kernel allows them)."""
    if huge_pages:
        dst = np.empty_like(arr)
    else:
        dst = np.frombuffer(mmap.mmap(-1, arr.nbytes), dtype=arr.dtype)
    np.copyto(dst, arr)  # fault the pages in
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        np.copyto(dst, arr)
        best = max(best, arr.nbytes / (time.perf_counter() - start) / 1e9)
    return best


def workloads(trials, seconds):
    """(name, fn, multiplier, unit) in Ray's order; fns close over live actors."""
    cpus = max(1, int(photon.cluster_resources().get("CPU", 1)))
    out = []

    out.append(("single_client_tasks_sync", lambda: photon.get(small_value.remote()), 1, "tasks/s"))
    out.append(("single_client_tasks_async",
                lambda: photon.get([small_value.remote() for _ in range(1000)]), 1000, "tasks/s"))
    out.append(("single_client_tasks_and_get_batch",
                lambda: photon.get([small_value.remote() for _ in range(1000)]), 1, "batches/s"))
    value = photon.put(SMALL)
    out.append(("single_client_get_calls_Plasma_Store", lambda: photon.get(value), 1, "gets/s"))
    out.append(("single_client_put_calls_Plasma_Store", lambda: photon.put(SMALL), 1, "puts/s"))
    # 800 MiB as in Ray's workload, but of ones: np.zeros maps the kernel's
    # zero page, whose reads are cache hits that flatter both put and memcpy.
    big = np.ones(100 * 1024 * 1024, dtype=np.int64)
    out.append(("single_client_put_gigabytes", lambda: photon.put(big), big.nbytes / 1e9, "GB/s"))
    clients = [Client.remote(None) for _ in range(cpus)]
    out.append(("multi_client_tasks_async",
                lambda: photon.get([c.tasks_batch.remote(500) for c in clients]), 500 * len(clients), "tasks/s"))
    a = Actor.remote()
    out.append(("1_1_actor_calls_sync", lambda: photon.get(a.small_value.remote()), 1, "calls/s"))
    out.append(("1_1_actor_calls_async",
                lambda: photon.get([a.small_value.remote() for _ in range(1000)]), 1000, "calls/s"))
    concurrent = Actor.options(max_concurrency=16).remote()
    out.append(("1_1_actor_calls_concurrent",
                lambda: photon.get([concurrent.small_value.remote() for _ in range(1000)]), 1000, "calls/s"))
    servers = [Actor.remote() for _ in range(cpus)]
    caller = Actor.remote()
    out.append(("1_n_actor_calls_async",
                lambda: photon.get(caller.call_actors.remote(servers, 1000)), 1000, "calls/s"))
    n_clients = [Client.remote(s) for s in servers]
    out.append(("n_n_actor_calls_async",
                lambda: photon.get([c.small_value_batch.remote(500) for c in n_clients]), 500 * len(n_clients),
                "calls/s"))
    out.append(("n_n_actor_calls_with_arg_async",
                lambda: photon.get([c.small_value_batch_arg.remote(500) for c in n_clients]),
                500 * len(n_clients), "calls/s"))
    async_actor = AsyncActor.remote()
    out.append(("1_1_async_actor_calls_async",
                lambda: photon.get([async_actor.small_value.remote() for _ in range(1000)]), 1000, "calls/s"))

    def placement_groups():
        groups = [photon.util.placement_group([{"CPU": 0.001}]) for _ in range(100)]
        for g in groups:
            g.wait(60)
        for g in groups:
            photon.util.remove_placement_group(g)
    out.append(("placement_group_create/removal", placement_groups, 100, "groups/s"))
    return out, big


def main(argv=None):
    parser = argparse.ArgumentParser(prog="photon microbenchmark", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.5, help="length of one timed trial")
    parser.add_argument("--only", default="", help="run the metrics whose names contain this")
    parser.add_argument("--address", default=None, help="join this cluster instead of starting one")
    args = parser.parse_args(argv)
    if args.address:
        photon.init(address=args.address)
    else:
        photon.init(address="local", num_cpus=os.cpu_count(), log_to_driver=False)
    print(f"photon microbenchmark: {int(photon.cluster_resources().get('CPU', 0))} CPUs, "
          f"{args.trials} trials of {args.seconds} s each\n", flush=True)
    results = {}
    items, big = workloads(args.trials, args.seconds)
    for name, fn, multiplier, unit in items:
        if args.only and args.only not in name:
            continue
        results[name] = timeit(name, fn, multiplier, args.trials, args.seconds, unit)[1]
    if "single_client_put_gigabytes" in results:
        put = results["single_client_put_gigabytes"]
        for label, huge in (("4 KiB pages, as the store", False), ("NumPy's buffer, huge pages", True)):
            memcpy = memcpy_gigabytes_per_second(big, huge)
            print(f"{'  memcpy of the array (' + label + ')':<42} {memcpy:14,.1f} GB/s: put is {put / memcpy:.2f}x",
                  flush=True)
    photon.shutdown()
    return results


if __name__ == "__main__":
    main()
