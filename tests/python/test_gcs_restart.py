"""The GCS restarts and nothing is lost (issue 13).

A 2-node cluster whose GCS keeps its tables in a real redis-server runs a
job with named, detached, restarted and pending actors, placement groups
and tasks. The GCS is killed with SIGKILL; while it is down the actors keep
serving calls and the tasks that were running finish, and the outage costs
an actor its worker and node 1 its raylet. Then the GCS starts again on the
same port, and each test checks one promise against what it finds.

The outage happens once, in the module's `outage` fixture; the tests run in
file order (later ones kill actors the earlier ones read).
"""

import os
import signal
import threading
import time
import types

import pytest

import photon
from photon._private import worker
from photon.exceptions import ActorDiedError
from photon.util import get_placement_group, placement_group, placement_group_table
from photon.util.scheduling_strategies import NodeAffinitySchedulingStrategy, PlacementGroupSchedulingStrategy

from cluster import Cluster
from redis_server import RedisServer
from testutil import run_driver, wait_until

NAMESPACE = "gcs-restart"


@photon.remote
class Counter:
    def __init__(self, start=0):
        self.value = start

    def incr(self):
        self.value += 1
        return self.value

    def pid(self):
        return os.getpid()

    def node(self):
        return photon.get_runtime_context().get_node_id()


@photon.remote(num_cpus=1)
def square(x):
    return x * x


@photon.remote(num_cpus=1)
def square_when(go, started, x):
    """x * x once the file `go` exists; creates `started` first."""
    open(started, "w").close()
    while not os.path.exists(go):
        time.sleep(0.01)
    return x * x


@photon.remote(num_cpus=1)
def node_of_task():
    return photon.get_runtime_context().get_node_id()


# A second driver: creates a detached named actor, uses it, and exits.
KEEPER_DRIVER = f"""
import photon
photon.init()
@photon.remote
class Keeper:
    def __init__(self):
        self.calls = 0
    def hello(self):
        self.calls += 1
        return self.calls
k = Keeper.options(name="keeper", namespace="{NAMESPACE}", lifetime="detached").remote()
assert photon.get(k.hello.remote()) == 1
"""


def actor_info(handle):
    return worker.core().actor_info(handle._actor_id)


def node_available(node_id):
    """What the GCS last heard is free on `node_id` (hex)."""
    for n in worker.core().nodes():
        if n["node_id"].hex() == node_id:
            return dict(n["resources_available"])
    return None


def kill_worker_of(handle):
    pid = photon.get(handle.pid.remote())
    os.kill(pid, signal.SIGKILL)
    return pid


def wait_for_new_worker(handle, old_pid):
    """Waits until the actor answers from a worker other than `old_pid`
    (calls sent while it restarts fail with ActorDiedError); returns its pid."""
    def new_pid():
        try:
            pid = photon.get(handle.pid.remote(), timeout=60)
        except ActorDiedError:
            if actor_info(handle)["state"] == "DEAD":
                raise
            return None
        return pid if pid != old_pid else None
    return wait_until(new_pid, timeout=90, what=f"the actor to restart (its worker {old_pid} is gone)")


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    redis = RedisServer().start()
    cluster = Cluster(num_nodes=2, cpus_per_node=4, storage=redis.url,
                      resources_per_node=[{"stay": 2}, {"doomed": 1}]).start()
    try:
        cluster.connect(namespace=NAMESPACE)
        yield _run_outage(cluster, tmp_path_factory.mktemp("markers"))
    finally:
        if photon.is_initialized():
            photon.shutdown()
        cluster.stop()
        redis.stop()


def _run_outage(cluster, markers):
    head, doomed = cluster.node_ids
    s = types.SimpleNamespace(cluster=cluster, head=head, doomed=doomed)
    done = run_driver(KEEPER_DRIVER, cluster.env())
    assert done.returncode == 0, done.stderr
    s.keeper = photon.get_actor("keeper", namespace=NAMESPACE)
    assert photon.get(s.keeper.hello.remote()) == 2

    s.named = Counter.options(name="named", max_restarts=1).remote(10)
    assert photon.get(s.named.incr.remote()) == 11
    s.named_pid = photon.get(s.named.pid.remote())
    # Restarted once before the crash: its one restart is used up.
    s.twice = Counter.options(max_restarts=1).remote()
    photon.get(s.twice.incr.remote())
    wait_for_new_worker(s.twice, kill_worker_of(s.twice))
    assert actor_info(s.twice)["num_restarts"] == 1
    s.dies_during = Counter.options(max_restarts=1).remote()
    photon.get(s.dies_during.incr.remote())
    s.on_doomed = Counter.options(
        max_restarts=1, scheduling_strategy=NodeAffinitySchedulingStrategy(doomed, soft=True)).remote()
    assert photon.get(s.on_doomed.node.remote()) == doomed
    # Waiting for a node that does not exist yet.
    s.later_actor = Counter.options(name="later-actor", resources={"later": 1}).remote(100)
    s.later_pg = placement_group([{"later": 1}], name="later-pg")

    s.kept = placement_group([{"CPU": 1, "stay": 1}, {"CPU": 1, "stay": 1}], strategy="STRICT_PACK", name="kept")
    assert s.kept.wait(60)
    s.kept_nodes = placement_group_table(s.kept)["bundles_to_node_id"]
    assert set(s.kept_nodes.values()) == {head}
    assert photon.get([square.remote(i) for i in range(8)]) == [i * i for i in range(8)]
    # All that is held on the head now: the group's 2 CPUs and 2 "stay" (actors hold no CPU).
    wait_until(lambda: node_available(head).get("CPU") == 2 and node_available(head).get("stay", 0) == 0,
               what=f"the head to report only the group's bundles held ({node_available(head)})")
    s.head_free = node_available(head)
    assert actor_info(s.later_actor)["state"] == "PENDING_CREATION"
    assert placement_group_table(s.later_pg)["state"] == "PENDING"
    s.raylet_pid = cluster.raylet_pid(0)
    # Tasks running on the head (its 2 CPUs the group left) when the GCS dies.
    go, started = str(markers / "go"), [str(markers / f"started-{i}") for i in range(2)]
    on_head = NodeAffinitySchedulingStrategy(head, soft=False)
    running = [square_when.options(scheduling_strategy=on_head).remote(go, started[i], i + 2) for i in range(2)]
    wait_until(lambda: all(os.path.exists(p) for p in started), what="both tasks to run")

    cluster.kill_gcs()
    # --- the GCS is down
    # Calls that need the GCS wait for it (PHOTON_GCS_RECONNECT_TIMEOUT_S, 60 s)
    # instead of failing after a few retries.
    s.waited = {}
    def needs_the_gcs():
        try:
            s.waited["found"] = photon.get_actor("keeper", namespace=NAMESPACE)
            s.waited["made"] = Counter.options(name="made-during").remote(40)
            s.waited["group"] = placement_group([{"CPU": 1}], name="made-during")
        except Exception as e:  # reported by the test, not lost in the thread
            s.waited["error"] = e
    s.waiting = threading.Thread(target=needs_the_gcs, daemon=True)
    s.waiting.start()
    outage_began = time.monotonic()
    assert photon.get([s.named.incr.remote() for _ in range(3)], timeout=30) == [12, 13, 14]
    assert photon.get(s.keeper.hello.remote(), timeout=30) == 3
    open(go, "w").close()
    s.during_tasks = photon.get(running, timeout=60)
    s.dies_during_pid = kill_worker_of(s.dies_during)
    s.on_doomed_pid = photon.get(s.on_doomed.pid.remote(), timeout=30)
    cluster.kill_node(1)
    wait_until(lambda: not cluster.raylet_running(1), what="node 1's raylet to exit")
    time.sleep(max(0.0, 4 - (time.monotonic() - outage_began)))  # longer than a few retries
    assert s.waiting.is_alive(), f"calls needing the GCS ended while it was down: {s.waited}"
    # ---
    cluster.restart_gcs()
    return s


def test_actors_serve_calls_during_the_outage_and_after_it(outage):
    assert outage.during_tasks == [4, 9]
    assert photon.get(outage.named.incr.remote(), timeout=30) == 15
    # The same worker all along: the restarted GCS did not create it again.
    assert photon.get(outage.named.pid.remote()) == outage.named_pid
    info = actor_info(outage.named)
    assert (info["state"], info["num_restarts"]) == ("ALIVE", 0)


def test_calls_made_during_the_outage_wait_for_the_gcs(outage):
    outage.waiting.join(timeout=60)
    assert not outage.waiting.is_alive(), "calls made during the outage still wait after it"
    assert "error" not in outage.waited, outage.waited["error"]
    assert outage.waited["found"]._actor_id == outage.keeper._actor_id
    made = outage.waited["made"]
    assert photon.get(made.incr.remote(), timeout=60) == 41
    assert photon.get_actor("made-during")._actor_id == made._actor_id
    assert outage.waited["group"].wait(60)
    photon.kill(made)
    photon.util.remove_placement_group(outage.waited["group"])


def test_named_and_detached_actors_are_found_by_name(outage):
    named = photon.get_actor("named")
    assert photon.get(named.incr.remote(), timeout=30) == 16
    # Created by a driver that exited before the crash.
    keeper = photon.get_actor("keeper", namespace=NAMESPACE)
    assert photon.get(keeper.hello.remote(), timeout=30) == 4
    with pytest.raises(ValueError, match="no actor named 'nobody'"):
        photon.get_actor("nobody")
    # The names index is back: a live actor's name is still taken.
    with pytest.raises(Exception, match="already exists"):
        photon.get(Counter.options(name="named").remote().incr.remote(), timeout=30)


def test_placement_group_keeps_its_bundles(outage):
    kept = get_placement_group("kept")
    assert kept == outage.kept
    table = placement_group_table(kept)
    assert table["state"] == "CREATED"
    assert table["bundles_to_node_id"] == outage.kept_nodes
    # The raylet still holds the bundles, and nothing more was reserved.
    wait_until(lambda: node_available(outage.head) == outage.head_free,
               what=f"the head to report {outage.head_free} free, as before the crash "
                    f"(it reports {node_available(outage.head)})")
    created = [line for line in outage.cluster.log("gcs").splitlines()
               if f"placement group {kept.id.hex()[:12]} created" in line]
    assert len(created) == 1, created
    in_bundle = PlacementGroupSchedulingStrategy(placement_group=kept, placement_group_bundle_index=1)
    assert photon.get(node_of_task.options(scheduling_strategy=in_bundle).remote(), timeout=60) == outage.head


def test_new_actors_and_tasks_after_the_restart(outage):
    fresh = Counter.options(name="fresh").remote(1)
    assert photon.get(fresh.incr.remote(), timeout=60) == 2
    assert photon.get(photon.get_actor("fresh").incr.remote()) == 3
    assert photon.get([square.remote(i) for i in range(8)], timeout=60) == [i * i for i in range(8)]
    photon.kill(fresh)


def test_actor_killed_during_the_outage_is_restarted(outage):
    wait_for_new_worker(outage.dies_during, outage.dies_during_pid)
    assert photon.get(outage.dies_during.incr.remote()) == 1  # the constructor ran again
    assert actor_info(outage.dies_during)["num_restarts"] == 1


def test_actor_on_a_node_that_died_during_the_outage_is_restarted(outage):
    wait_until(lambda: outage.cluster.nodes().get(outage.doomed) is False,
               what="node 1 to be found dead after the restart")
    wait_for_new_worker(outage.on_doomed, outage.on_doomed_pid)
    assert photon.get(outage.on_doomed.node.remote()) == outage.head
    assert actor_info(outage.on_doomed)["num_restarts"] == 1


def test_restart_counts_survive_the_restart(outage):
    # `named` had its restart left: it dies after the outage and comes back.
    wait_for_new_worker(outage.named, kill_worker_of(outage.named))
    assert photon.get(outage.named.incr.remote()) == 11  # the constructor ran again
    assert actor_info(outage.named)["num_restarts"] == 1
    # `twice` used its only restart before the crash: now it dies for good.
    kill_worker_of(outage.twice)
    wait_until(lambda: actor_info(outage.twice)["state"] == "DEAD", timeout=60, what="`twice` to be DEAD")
    assert actor_info(outage.twice)["num_restarts"] == 1
    with pytest.raises(ActorDiedError):
        photon.get(outage.twice.incr.remote(), timeout=30)


def test_pending_actor_and_group_are_placed_once_they_fit(outage):
    node = outage.cluster.add_node(2, {"later": 2})
    assert outage.later_pg.wait(60)
    assert set(placement_group_table(outage.later_pg)["bundles_to_node_id"].values()) == {node}
    later = photon.get_actor("later-actor")
    assert photon.get(later.incr.remote(), timeout=60) == 101
    assert photon.get(later.node.remote()) == node


def test_raylets_and_the_driver_carried_on(outage):
    # The head's raylet is the one that ran before the crash, registered again.
    assert outage.cluster.raylet_pid(0) == outage.raylet_pid
    assert outage.cluster.raylet_running(0)
    nodes = outage.cluster.nodes()
    assert nodes[outage.head] is True and nodes[outage.doomed] is False
    assert "node re-registered: " + outage.head in outage.cluster.log("gcs")
    # This driver's GCS client and subscriptions followed the new GCS.
    assert photon.get(photon.get_actor("keeper", namespace=NAMESPACE).hello.remote(), timeout=30) >= 4
