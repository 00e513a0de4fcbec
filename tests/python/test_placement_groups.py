"""Placement groups on the 3-node cluster: strategies, scheduling into
bundles, removal, lookup by name."""

import pytest

import photon
from photon.util import (get_placement_group, placement_group, placement_group_table,
                         remove_placement_group)
from photon.util.scheduling_strategies import PlacementGroupSchedulingStrategy
from testutil import hold, wait_until


@photon.remote(num_cpus=1)
def where():
    return photon.get_runtime_context().get_node_id()


@photon.remote(num_cpus=1)
class Resident:
    def where(self):
        return photon.get_runtime_context().get_node_id()


def _bundle_nodes(pg):
    table = placement_group_table(pg)
    return [table["bundles_to_node_id"][i] for i in range(pg.bundle_count)]


def _in_bundle(pg, index):
    return PlacementGroupSchedulingStrategy(placement_group=pg, placement_group_bundle_index=index)


def _cpus_free():
    return photon.available_resources().get("CPU", 0)


def test_strict_spread_uses_three_nodes_and_tasks_follow_bundles(photon_3):
    pg = placement_group([{"CPU": 1}] * 3, strategy="STRICT_SPREAD", name="spread-3")
    assert pg.wait(60)
    assert photon.get(pg.ready(), timeout=60) == pg
    nodes = _bundle_nodes(pg)
    assert sorted(nodes) == sorted(photon_3.node_ids)
    assert placement_group_table(pg)["state"] == "CREATED"
    assert placement_group_table(pg)["strategy"] == "STRICT_SPREAD"
    for i in range(3):
        assert photon.get(where.options(scheduling_strategy=_in_bundle(pg, i)).remote()) == nodes[i]
        actor = Resident.options(scheduling_strategy=_in_bundle(pg, i)).remote()
        assert photon.get(actor.where.remote()) == nodes[i]
        photon.kill(actor)
    # Any bundle (index -1).
    assert photon.get(where.options(scheduling_strategy=_in_bundle(pg, -1)).remote()) in nodes
    assert get_placement_group("spread-3") == pg
    remove_placement_group(pg)
    wait_until(lambda: placement_group_table(pg)["state"] == "REMOVED", what="the group to be removed")


def test_strict_pack_uses_one_node(photon_3):
    pg = placement_group([{"CPU": 1}, {"CPU": 1}], strategy="STRICT_PACK")
    assert pg.wait(60)
    a, b = _bundle_nodes(pg)
    assert a == b
    remove_placement_group(pg)


def test_remove_frees_resources(photon_3):
    wait_until(lambda: _cpus_free() == 6.0, what="all 6 CPUs free")
    pg = placement_group([{"CPU": 2}, {"CPU": 1}], strategy="SPREAD")
    assert pg.wait(60)
    wait_until(lambda: _cpus_free() == 3.0, what="3 CPUs reserved by the group")
    remove_placement_group(pg)
    wait_until(lambda: _cpus_free() == 6.0, what="the CPUs back after removal")


def test_infeasible_group_stays_pending(photon_3):
    pg = placement_group([{"CPU": 1}] * 4, strategy="STRICT_SPREAD")  # 4 bundles, 3 nodes
    assert not pg.wait(1)
    assert placement_group_table(pg)["state"] in ("PENDING", "RESCHEDULING")
    remove_placement_group(pg)


def test_placement_group_arguments(photon_3):
    with pytest.raises(ValueError, match="strategy"):
        placement_group([{"CPU": 1}], strategy="EVERYWHERE")
    with pytest.raises(ValueError, match="bundle 0"):
        placement_group([{}])
    with pytest.raises(ValueError, match="non-empty list"):
        placement_group([])
    with pytest.raises(TypeError, match="PlacementGroup"):
        remove_placement_group("pg")
    pg = placement_group([{"CPU": 1}])
    with pytest.raises(ValueError, match="out of range"):
        PlacementGroupSchedulingStrategy(pg, placement_group_bundle_index=5)
    remove_placement_group(pg)
    with pytest.raises(ValueError):
        get_placement_group("no-such-group")


@photon.remote(num_cpus=1)
def sleep_then(seconds, value):
    import time
    time.sleep(seconds)
    return value


@photon.remote(num_cpus=1)
def mark_then_sleep(path):
    import time
    open(path, "w").close()
    time.sleep(120)


@photon.remote(num_cpus=1)
class Sleeper:
    def pid(self):
        import os
        return os.getpid()

    def sleep(self, seconds):
        import time
        time.sleep(seconds)
        return seconds


def test_removal_ends_running_task_and_frees_its_cpus(photon_3):
    wait_until(lambda: _cpus_free() == 6.0, what="all 6 CPUs free")
    pg = placement_group([{"CPU": 1}])
    assert pg.wait(60)
    ref = sleep_then.options(scheduling_strategy=_in_bundle(pg, 0)).remote(120, "finished")
    started, _ = photon.wait([ref], timeout=1)
    assert not started
    remove_placement_group(pg)
    with pytest.raises(photon.exceptions.TaskPlacementGroupRemoved, match="placement group"):
        photon.get(ref, timeout=30)
    wait_until(lambda: _cpus_free() == 6.0, what="the group's CPU back after removal")


def test_removal_ends_actor_in_the_group(photon_3):
    pg = placement_group([{"CPU": 1}])
    assert pg.wait(60)
    actor = Sleeper.options(scheduling_strategy=_in_bundle(pg, 0)).remote()
    pid = photon.get(actor.pid.remote())
    running = actor.sleep.remote(120)
    remove_placement_group(pg)
    with pytest.raises(photon.exceptions.ActorDiedError, match="placement group"):
        photon.get(running, timeout=30)
    with pytest.raises(photon.exceptions.ActorPlacementGroupRemoved):
        photon.get(actor.pid.remote(), timeout=30)
    wait_until(lambda: not _pid_alive(pid), what="the actor's worker to exit")
    wait_until(lambda: _cpus_free() == 6.0, what="all 6 CPUs free again")


def test_removal_fails_task_queued_for_a_busy_bundle(photon_3, tmp_path):
    pg = placement_group([{"CPU": 1}])
    assert pg.wait(60)
    # Room for one of the two: the other waits (either may go first).
    marks = tmp_path / "started"
    marks.mkdir()
    first = mark_then_sleep.options(scheduling_strategy=_in_bundle(pg, 0)).remote(str(marks / "first"))
    queued = mark_then_sleep.options(scheduling_strategy=_in_bundle(pg, 0)).remote(str(marks / "queued"))
    wait_until(lambda: len(list(marks.iterdir())) == 1, what="one of the two to start")
    remove_placement_group(pg)
    for ref in (first, queued):
        with pytest.raises(photon.exceptions.TaskPlacementGroupRemoved):
            photon.get(ref, timeout=30)


def test_remote_into_unplaced_group_returns_at_once_and_runs_once_placed(photon_3):
    holder = hold({"node0": 1})
    pg = placement_group([{"CPU": 2, "node0": 1}])  # pending: node0's one unit is held
    assert not pg.wait(0.5)
    strategy = _in_bundle(pg, 0)
    ref = sleep_then.options(scheduling_strategy=strategy).remote(0, "ran")
    actor = Resident.options(scheduling_strategy=strategy).remote()
    where_ref = actor.where.remote()
    ready, _ = photon.wait([ref, where_ref], num_returns=2, timeout=1)
    assert ready == []
    photon.kill(holder)
    assert pg.wait(60)
    node = _bundle_nodes(pg)[0]
    assert photon.get(ref, timeout=60) == "ran"
    assert photon.get(where_ref, timeout=60) == node
    photon.kill(actor)
    remove_placement_group(pg)


def test_removing_unplaced_group_fails_what_waits_for_it(photon_3):
    pg = placement_group([{"CPU": 1, "no-such-resource": 1}])
    strategy = _in_bundle(pg, 0)
    ref = sleep_then.options(scheduling_strategy=strategy).remote(0, "never")
    actor = Resident.options(scheduling_strategy=strategy).remote()
    call = actor.where.remote()
    ready_ref = pg.ready()
    remove_placement_group(pg)
    with pytest.raises(photon.exceptions.TaskPlacementGroupRemoved, match="removed"):
        photon.get(ref, timeout=30)
    with pytest.raises(photon.exceptions.ActorPlacementGroupRemoved):
        photon.get(call, timeout=30)
    with pytest.raises(photon.exceptions.PhotonError, match="removed"):
        photon.get(ready_ref, timeout=30)


def _pid_alive(pid):
    import os
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
