"""nodes(), cluster_resources(), available_resources()."""

import threading

import photon
from testutil import wait_until


def test_nodes(photon_local):
    nodes = photon.nodes()
    assert len(nodes) == 1
    node = nodes[0]
    assert node["Alive"] and node["IsHead"]
    assert node["NodeID"] == photon_local.node_ids[0]
    assert node["NodeManagerAddress"] == "127.0.0.1"
    assert node["Resources"]["CPU"] == 4.0 and node["Resources"]["custom"] == 2.0


def test_cluster_resources(photon_local):
    total = photon.cluster_resources()
    assert total["CPU"] == 4.0
    assert total["custom"] == 2.0
    assert total["object_store_memory"] == 512 << 20


def test_available_resources_drop_while_held(photon_local):
    @photon.remote
    class Holder:
        def ping(self):
            return 1

    assert wait_until(lambda: photon.available_resources().get("custom") == 2.0, what="custom fully free")
    holder = Holder.options(resources={"custom": 1.5}).remote()
    photon.get(holder.ping.remote())
    wait_until(lambda: photon.available_resources().get("custom") == 0.5, what="custom 0.5 free while held")
    photon.kill(holder)
    wait_until(lambda: photon.available_resources().get("custom") == 2.0, what="custom free again after kill")


def test_three_nodes(photon_3):
    nodes = [n for n in photon.nodes() if n["Alive"]]
    assert sorted(n["NodeID"] for n in nodes) == sorted(photon_3.node_ids)
    assert sum(n["IsHead"] for n in nodes) == 1
    total = photon.cluster_resources()
    assert total["CPU"] == 6.0
    assert all(total[f"node{i}"] == 1.0 for i in range(3))
