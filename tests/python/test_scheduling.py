"""Scheduling strategies on the 3-node cluster: NodeAffinity, SPREAD,
DEFAULT, custom resources."""

import time

import pytest

import photon
from testutil import driver_env, run_driver
from photon.util.scheduling_strategies import NodeAffinitySchedulingStrategy


@photon.remote(num_cpus=1)
def where():
    return photon.get_runtime_context().get_node_id()


@photon.remote(num_cpus=1)
def where_after(seconds):
    # Long enough that the tasks run at once, each on a lease of its own
    # (a short task's lease is reused by the next one, wherever it is).
    time.sleep(seconds)
    return photon.get_runtime_context().get_node_id()


@photon.remote
class Resident:
    def where(self):
        return photon.get_runtime_context().get_node_id()


def test_node_affinity_hard(photon_3):
    for node in photon_3.node_ids:
        strategy = NodeAffinitySchedulingStrategy(node, soft=False)
        assert photon.get([where.options(scheduling_strategy=strategy).remote() for _ in range(3)]) == [node] * 3
        actor = Resident.options(scheduling_strategy=strategy).remote()
        assert photon.get(actor.where.remote()) == node
        photon.kill(actor)


def test_node_affinity_soft_falls_back(photon_3):
    gone = "ab" * 28  # no such node
    soft = NodeAffinitySchedulingStrategy(gone, soft=True)
    assert photon.get(where.options(scheduling_strategy=soft).remote(), timeout=60) in photon_3.node_ids


def test_node_affinity_hard_to_missing_node_fails(isolated_tmp):
    # In a driver of its own, with a cluster of its own: as in Ray, the pinned
    # task fails (SchedulingError) and the driver's other tasks run.
    script = (
        "import photon\n"
        "from photon.util.scheduling_strategies import NodeAffinitySchedulingStrategy\n"
        "photon.init(num_cpus=2)\n"
        "@photon.remote\n"
        "def f():\n"
        "    return 'ran'\n"
        "stuck = f.options(scheduling_strategy=NodeAffinitySchedulingStrategy('cd' * 28, soft=False)).remote()\n"
        "print('OTHER', photon.get(f.remote(), timeout=10), flush=True)\n"
        "try:\n"
        "    photon.get(stuck, timeout=10)\n"
        "except photon.exceptions.PhotonError as e:\n"
        "    print('STUCK FAILED', type(e).__name__, flush=True)\n"
    )
    done = run_driver(script, driver_env(PHOTON_TMPDIR=isolated_tmp))
    assert "OTHER ran" in done.stdout and "STUCK FAILED SchedulingError" in done.stdout, done.stderr[-2000:]


def test_spread_uses_several_nodes(photon_3):
    nodes = photon.get([where_after.options(scheduling_strategy="SPREAD").remote(0.5) for _ in range(6)])
    assert set(nodes) == set(photon_3.node_ids)
    actors = [Resident.options(scheduling_strategy="SPREAD").remote() for _ in range(3)]
    assert len(set(photon.get([a.where.remote() for a in actors]))) >= 2
    for a in actors:
        photon.kill(a)


def test_custom_resources_pick_the_node(photon_3):
    for i, node in enumerate(photon_3.node_ids):
        assert photon.get(where.options(resources={f"node{i}": 1}).remote()) == node


def test_default_strategy_runs_somewhere(photon_3):
    assert photon.get(where.options(scheduling_strategy="DEFAULT").remote()) in photon_3.node_ids
