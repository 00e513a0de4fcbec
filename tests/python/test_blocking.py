"""A task blocked in get/wait lends its CPUs to its node (as in Ray), so
nesting deeper than the CPU count finishes; GPUs and custom resources stay
held; the raylet caps the worker processes it starts."""

import os
import subprocess
import time

import photon
from cluster import Cluster, binary
from testutil import driver_env, run_driver, wait_until


@photon.remote
def fib(n):
    if n < 2:
        return n
    return sum(photon.get([fib.remote(n - 1), fib.remote(n - 2)]))


@photon.remote
def leaf(i):
    return i


@photon.remote
def reduce_range(lo, hi):
    """The sum of leaf(lo) .. leaf(hi - 1), halving the range per level."""
    if hi - lo == 1:
        return photon.get(leaf.remote(lo))
    mid = (lo + hi) // 2
    return sum(photon.get([reduce_range.remote(lo, mid), reduce_range.remote(mid, hi)]))


@photon.remote
def chain_by_wait(n):
    if n == 0:
        return 0
    ready, _ = photon.wait([chain_by_wait.remote(n - 1)], num_returns=1)
    return photon.get(ready[0]) + 1


def test_blocked_get_releases_the_cpu(isolated_tmp):
    # In a driver of its own on a 1-CPU local cluster: without the release
    # the outer task holds the only CPU its child needs.
    script = (
        "import photon\n"
        "photon.init(num_cpus=1)\n"
        "@photon.remote\n"
        "def child():\n"
        "    return 'child'\n"
        "@photon.remote\n"
        "def outer():\n"
        "    return photon.get(child.remote())\n"
        "print('RESULT', photon.get(outer.remote(), timeout=30))\n"
    )
    done = run_driver(script, driver_env(PHOTON_TMPDIR=isolated_tmp))
    assert "RESULT child" in done.stdout, done.stderr[-2000:]


def test_recursive_fib_20_on_two_cpus(photon_2cpus):
    assert photon.get(fib.remote(20), timeout=300) == 6765


def test_tree_reduction_of_1000_leaves(photon_2cpus):
    assert photon.get(reduce_range.remote(0, 1000), timeout=300) == sum(range(1000))


def test_nested_wait_lends_the_cpu_too(photon_2cpus):
    assert photon.get(chain_by_wait.remote(8), timeout=120) == 8


def test_an_actor_holding_every_cpu_calls_tasks_and_waits(photon_2cpus):
    @photon.remote(num_cpus=2)
    class Coordinator:
        def squares(self, n):
            return photon.get([leaf.remote(i * i) for i in range(n)])

    coordinator = Coordinator.remote()
    assert photon.get(coordinator.squares.remote(6), timeout=60) == [i * i for i in range(6)]
    photon.kill(coordinator)


def _with_cpus(n):
    """The available resources when `n` CPUs are free, else None."""
    free = photon.available_resources()
    return free if free.get("CPU") == n else None


def test_custom_resources_stay_held_while_blocked(photon_2cpus):
    @photon.remote(num_cpus=0)
    def slow():
        time.sleep(6)
        return "slow"

    @photon.remote(num_cpus=1, resources={"custom": 1})
    def waits():
        return photon.get(slow.remote())

    wait_until(lambda: photon.available_resources().get("CPU") == 2, what="earlier tests' leases to end")
    ref = waits.remote()
    wait_until(lambda: photon.available_resources().get("custom", 0) == 0, what="the task to start")
    # While it waits: its CPU is back with the node, its custom unit is not.
    free = wait_until(lambda: _with_cpus(2), timeout=4, what="the blocked task's CPU to come back")
    assert free.get("custom", 0) == 0
    assert photon.get(ref, timeout=30) == "slow"
    wait_until(lambda: photon.available_resources().get("custom") == 1, what="custom to be freed")


@photon.remote
def chain(n):
    return 0 if n == 0 else photon.get(chain.remote(n - 1)) + 1


def test_worker_processes_are_capped():
    cluster = Cluster(num_nodes=1, cpus_per_node=1, raylet_args=["--max-workers=3"]).start()
    try:
        script = (
            "import photon, sys\n"
            "sys.path.insert(0, %r)\n"
            "from test_blocking import chain\n"
            "photon.init()\n"
            "print('SHALLOW', photon.get(chain.remote(2), timeout=60), flush=True)\n"
            "try:\n"
            "    photon.get(chain.remote(6), timeout=6)\n"
            "except photon.exceptions.GetTimeoutError:\n"
            "    print('DEEP waits', flush=True)\n"
        ) % os.path.dirname(os.path.abspath(__file__))
        done = run_driver(script, cluster.env(), timeout=120)
        # Three nested tasks fit in three workers; seven cannot start more.
        assert "SHALLOW 2" in done.stdout, done.stderr[-2000:]
        assert "DEEP waits" in done.stdout, done.stderr[-2000:]
        assert "the most it starts (--max-workers)" in cluster.log("raylet-0")
    finally:
        cluster.stop()


def test_max_workers_must_not_be_negative():
    done = subprocess.run([binary("photon-raylet"), "--gcs-address=127.0.0.1:1", "--max-workers=-1"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "--max-workers must be 0 (the default) or more" in done.stderr
