"""Placement groups on the 3-node cluster: strategies, scheduling into
bundles, removal, lookup by name."""

import pytest

import photon
from photon.util import (get_placement_group, placement_group, placement_group_table,
                         remove_placement_group)
from photon.util.scheduling_strategies import PlacementGroupSchedulingStrategy
from testutil import wait_until


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
