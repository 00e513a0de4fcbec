"""Each raylet's Prometheus endpoint (GET /metrics on --metrics-export-port):
Ray's metric names and labels, text that Prometheus' own parser reads, the
cluster token asked for, and the port in photon.nodes()."""

import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

import photon
from cluster import wait_until


def _scrape(port, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return response.read().decode()


def _families(text):
    return {f.name: f for f in text_string_to_metric_families(text)}


def _metrics_port():
    alive = [n for n in photon.nodes() if n["Alive"]]
    assert len(alive) == 1
    return alive[0]["MetricsExportPort"]


def test_the_raylet_exports_rays_node_metrics(one_node, photon_local):
    port = _metrics_port()
    assert port > 0

    def sampled():
        families = _families(_scrape(port, one_node.token))
        return families if families["ray_node_mem_total"].samples[0].value > 0 else None
    families = wait_until(sampled, what="the node's memory in /metrics")
    for name in ["ray_node_cpu_utilization", "ray_node_cpu_count", "ray_node_mem_used", "ray_node_mem_available",
                 "ray_node_mem_total", "ray_resources", "ray_object_store_memory", "ray_object_store_used_memory",
                 "ray_object_store_available_memory", "ray_object_store_num_local_objects",
                 "ray_scheduler_unscheduleable_tasks", "photon_workers", "photon_lease_requests_queued"]:
        assert name in families, name
        assert families[name].type == "gauge", name
        assert families[name].documentation, name
    cpu = families["ray_node_cpu_utilization"].samples[0]
    assert 0 <= cpu.value <= 100
    assert cpu.labels["ip"] == "127.0.0.1" and cpu.labels["NodeAddress"] == "127.0.0.1"
    assert cpu.labels["IsHeadNode"] == "True"
    assert cpu.labels["SessionName"].startswith("node-")  # the fixture's session directory
    mem = {n: families[n].samples[0].value for n in ["ray_node_mem_used", "ray_node_mem_available", "ray_node_mem_total"]}
    assert mem["ray_node_mem_used"] + mem["ray_node_mem_available"] == mem["ray_node_mem_total"]

    cpus = {s.labels["State"]: s.value for s in families["ray_resources"].samples if s.labels["Name"] == "CPU"}
    assert set(cpus) == {"USED", "AVAILABLE"} and sum(cpus.values()) == 4
    assert {s.labels["Component"] for s in families["ray_resources"].samples} == {"raylet"}
    store = families["ray_object_store_used_memory"].samples[0].value
    free = families["ray_object_store_available_memory"].samples[0].value
    assert store + free == 512 << 20
    kinds = {(s.labels["Kind"], s.labels["State"]) for s in families["photon_workers"].samples}
    assert len(kinds) == 9
    assert families["photon_object_store_spilled_bytes"].type == "counter"  # _total is the parser's suffix


def test_workers_and_objects_show_up(one_node, photon_local):
    @photon.remote
    class Holder:
        def ping(self):
            return "pong"

    holder = Holder.remote()
    assert photon.get(holder.ping.remote()) == "pong"
    big = photon.put(b"x" * (2 << 20))  # in the object store, not inline
    port = _metrics_port()

    def seen():
        f = _families(_scrape(port, one_node.token))
        actors = sum(s.value for s in f["photon_workers"].samples
                     if s.labels["Kind"] == "ACTOR" and s.labels["State"] == "BUSY")
        drivers = sum(s.value for s in f["photon_workers"].samples if s.labels["Kind"] == "DRIVER")
        objects = f["ray_object_store_num_local_objects"].samples[0].value
        return actors >= 1 and drivers >= 1 and objects >= 1
    wait_until(seen, what="the actor's worker, the driver and the object in /metrics")
    photon.kill(holder)
    del big


def test_the_cluster_token_is_asked_for(one_node, photon_local):
    port = _metrics_port()
    with pytest.raises(urllib.error.HTTPError) as missing:
        _scrape(port, None)
    assert missing.value.code == 401
    with pytest.raises(urllib.error.HTTPError) as wrong:
        _scrape(port, "not-the-token")
    assert wrong.value.code == 403
