#!/usr/bin/python3
"""Photon beside Dask distributed on the same task, actor and put/get
workloads, in one run on this machine (Dask: a LocalCluster with one worker
process per core, one thread each).

    /usr/bin/python3 bench/compare_dask.py [--seconds 1.5] [--trials 3]

Prints each workload's rate for both and Photon's ratio (target >= 10x).
"""

import argparse
import contextlib
import io
import logging
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import photon  # noqa: E402
from photon._private import microbenchmark as mb  # noqa: E402


def small_value():
    return b"ok"


class DaskActor:
    def small_value(self):
        return b"ok"


def photon_rates(trials, seconds):
    photon.init(address="local", num_cpus=os.cpu_count(), log_to_driver=False)
    actor = mb.Actor.remote()
    value = photon.put(0)
    array = photon.put(np.ones(1 << 20, dtype=np.uint8))
    workloads = [
        ("tasks_sync", lambda: photon.get(mb.small_value.remote()), 1),
        ("tasks_async", lambda: photon.get([mb.small_value.remote() for _ in range(1000)]), 1000),
        ("actor_calls_sync", lambda: photon.get(actor.small_value.remote()), 1),
        ("actor_calls_async", lambda: photon.get([actor.small_value.remote() for _ in range(1000)]), 1000),
        ("put_calls", lambda: photon.put(0), 1),
        ("get_calls", lambda: photon.get(value), 1),
        ("get_calls_1MiB_array", lambda: photon.get(array), 1),
    ]
    out = {}
    for name, fn, mult in workloads:
        out[name] = mb.timeit("photon " + name, fn, mult, trials, seconds, "per second")[1]
    photon.shutdown()
    return out


def dask_rates(trials, seconds):
    from dask.distributed import Client, LocalCluster
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with contextlib.redirect_stderr(io.StringIO()):
        cluster = LocalCluster(n_workers=os.cpu_count(), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    actor = client.submit(DaskActor, actor=True).result()
    value = client.scatter(0)
    array = client.scatter(np.ones(1 << 20, dtype=np.uint8))
    workloads = [
        ("tasks_sync", lambda: client.submit(small_value, pure=False).result(), 1),
        ("tasks_async", lambda: client.gather([client.submit(small_value, pure=False) for _ in range(1000)]), 1000),
        ("actor_calls_sync", lambda: actor.small_value().result(), 1),
        ("actor_calls_async", lambda: [f.result() for f in [actor.small_value() for _ in range(1000)]], 1000),
        ("put_calls", lambda: client.scatter(0), 1),
        ("get_calls", lambda: value.result(), 1),
        ("get_calls_1MiB_array", lambda: array.result(), 1),
    ]
    out = {}
    for name, fn, mult in workloads:
        out[name] = mb.timeit("dask " + name, fn, mult, trials, seconds, "per second")[1]
    client.close()
    cluster.close()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.5)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; {args.trials} trials of {args.seconds} s per workload\n", flush=True)
    p = photon_rates(args.trials, args.seconds)
    print(flush=True)
    d = dask_rates(args.trials, args.seconds)
    print(f"\n{'workload':<24} {'photon /s':>14} {'dask /s':>12} {'photon/dask':>12}   (target >= 10x)")
    for name in p:
        ratio = p[name] / d[name] if d[name] else float("inf")
        print(f"{name:<24} {p[name]:14,.1f} {d[name]:12,.1f} {ratio:11.1f}x", flush=True)


if __name__ == "__main__":
    main()
