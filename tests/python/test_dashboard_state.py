"""The dashboard's cluster views through real HTTP against a real cluster:
the state API (/api/v0/...), the plots' history (/api/cluster_metrics) and
/metrics, whose Prometheus text is parsed with python3-prometheus-client and
whose numbers are checked against `photon status`."""

import os
import re
import subprocess

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import photon
from cluster import Cluster, binary, wait_until
from conftest import disconnect

TIMEOUT = 30


@pytest.fixture(scope="module")
def cluster():
    disconnect()
    c = Cluster(num_nodes=2, cpus_per_node=2, resources_per_node=[{"custom": 3}, {}], dashboard=True).start()
    c.connect()
    yield c
    disconnect()
    c.stop()


def get(cluster, path, **params):
    reply = requests.get(cluster.dashboard_url + path, params=params, timeout=TIMEOUT,
                         headers={"Authorization": f"Bearer {cluster.token}"})
    assert reply.status_code == 200, f"GET {path}: {reply.status_code} {reply.text}"
    return reply


def result(cluster, path, **params):
    body = get(cluster, path, **params).json()
    assert body["result"] is True and body["msg"] == ""
    return body["data"]["result"]


@photon.remote
def square(x):
    return x * x


@photon.remote
def broken():
    raise KeyError("no such key")


@photon.remote
class Counter:
    def pid(self):
        return os.getpid()


def test_nodes_carry_resources_store_and_machine_use(cluster):
    nodes = result(cluster, "/api/v0/nodes")
    assert nodes["total"] == 2
    by_id = {n["node_id"]: n for n in nodes["result"]}
    assert set(by_id) == set(cluster.node_ids)
    head = by_id[cluster.node_ids[0]]
    assert head["is_head_node"] and head["state"] == "ALIVE"
    assert head["resources_total"]["CPU"] == 2 and head["resources_total"]["custom"] == 3
    assert head["object_store_total_bytes"] == cluster.object_store_bytes
    assert head["mem_total_bytes"] > head["mem_used_bytes"] > 0


def test_actors_tasks_and_workers(cluster):
    counter = Counter.options(name="counted").remote()
    actor_pid = photon.get(counter.pid.remote())
    assert photon.get([square.remote(i) for i in range(30)]) == [i * i for i in range(30)]
    with pytest.raises(KeyError):
        photon.get(broken.remote())

    actors = wait_until(lambda: [a for a in result(cluster, "/api/v0/actors", state="ALIVE")["result"]
                                 if a["name"] == "counted"], timeout=TIMEOUT, what="the actor in the state API")
    assert actors[0]["class_name"] == "Counter" and actors[0]["pid"] == actor_pid

    def finished_squares():
        tasks = result(cluster, "/api/v0/tasks", name="square", state="FINISHED", limit=10)
        return tasks if tasks["total"] >= 30 else None
    tasks = wait_until(finished_squares, timeout=TIMEOUT, what="30 finished square tasks")
    assert tasks["num_after_truncation"] == 10 and len(tasks["result"]) == 10
    assert all(t["name"] == "square" and t["end_time_ms"] >= t["start_time_ms"] > 0 for t in tasks["result"])
    page2 = result(cluster, "/api/v0/tasks", name="square", state="FINISHED", limit=10, offset=10)
    assert not {t["task_id"] for t in page2["result"]} & {t["task_id"] for t in tasks["result"]}

    summary = wait_until(lambda: (s := result(cluster, "/api/v0/tasks/summarize"))["by_func_name"].get("broken")
                         and s, timeout=TIMEOUT, what="the failed task in the summary")
    assert summary["by_func_name"]["square"]["FINISHED"] >= 30
    failure = next(f for f in summary["recent_failures"] if f["name"] == "broken")
    assert "KeyError" in failure["error_message"]

    workers = result(cluster, "/api/v0/workers", node_id=actors[0]["node_id"])["result"]
    assert any(w["pid"] == actor_pid and w["kind"] == "actor" and w["state"] == "BUSY" for w in workers)
    photon.kill(counter)
    dead = wait_until(lambda: [a for a in result(cluster, "/api/v0/actors", state="DEAD")["result"]
                               if a["name"] == "counted"], timeout=TIMEOUT, what="the killed actor as DEAD")
    assert dead[0]["death_cause"]


def test_placement_groups(cluster):
    from photon.util import placement_group, remove_placement_group
    group = placement_group([{"CPU": 1}], strategy="STRICT_PACK", name="pg-state")
    photon.get(group.ready())
    groups = {g["name"]: g for g in result(cluster, "/api/v0/placement_groups")["result"]}
    assert groups["pg-state"]["state"] == "CREATED" and groups["pg-state"]["strategy"] == "STRICT_PACK"
    assert groups["pg-state"]["bundles"][0]["resources"] == {"CPU": 1.0}
    assert groups["pg-state"]["bundles"][0]["node_id"] in cluster.node_ids
    remove_placement_group(group)
    wait_until(lambda: {g["name"]: g["state"] for g in result(cluster, "/api/v0/placement_groups")["result"]}
               .get("pg-state") == "REMOVED", timeout=TIMEOUT, what="the removed group")


def test_log_files_of_a_node(cluster):
    node = cluster.node_ids[1]
    files = {f["filename"]: f["size_bytes"] for f in result(cluster, "/api/v0/logs", node_id=node)["result"]}
    assert "raylet.log" in files or any(name.startswith("raylet") for name in files), files
    name = next(n for n in files if n.startswith("raylet"))
    text = get(cluster, "/api/logs", node_id=node, filename=name, tail_bytes=4096).text
    assert 0 < len(text) <= 4096
    reply = requests.get(cluster.dashboard_url + "/api/logs", params={"node_id": "ab" * 28, "filename": name},
                         headers={"Authorization": f"Bearer {cluster.token}"}, timeout=TIMEOUT)
    assert reply.status_code == 404 and "no node" in reply.json()["error"]


def test_history_has_samples_of_every_plot(cluster):
    def samples():
        s = get(cluster, "/api/cluster_metrics").json()["samples"]
        return s if len(s) >= 2 else None
    history = wait_until(samples, timeout=TIMEOUT, what="two samples of the plots")
    last = history[-1]
    assert last["cpu_total"] == 4 and last["object_store_total_bytes"] == 2 * cluster.object_store_bytes
    assert last["memory_total_bytes"] > 0
    assert set(last["tasks"]) == {"PENDING", "SCHEDULED", "RUNNING", "FINISHED", "FAILED"}
    assert history[0]["t"] < last["t"]


def status_usage(cluster):
    """`photon status`'s cluster-wide "used/total name" lines, as {name: (used, total)}."""
    done = subprocess.run([binary("photon"), "status", f"--address={cluster.gcs_address}"],
                          env=cluster.env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    usage = done.stdout.split("Usage:", 1)[1]
    alive = int(re.search(r"Alive:\n (\d+) node", done.stdout).group(1))
    return alive, {m.group(3): (float(m.group(1)), float(m.group(2)))
                   for m in re.finditer(r"^ ([\d.]+)/([\d.]+) (\w+)$", usage, re.M)}


def test_metrics_parse_as_prometheus_text_and_match_photon_status(cluster):
    reply = get(cluster, "/metrics")
    assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(reply.text)}
    for name in ("photon_nodes", "ray_resources", "ray_tasks", "ray_actors", "photon_jobs",
                 "ray_object_store_memory", "ray_spill_manager_objects_bytes", "ray_node_mem_total"):
        assert name in families, f"{name} missing from /metrics"
    sample = {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families.values() for s in f.samples}
    alive, usage = status_usage(cluster)
    assert sample[("photon_nodes", (("State", "ALIVE"),))] == alive == 2
    used, total = usage["CPU"]
    assert sample[("photon_resources_total", (("Name", "CPU"),))] == total == 4
    assert sample[("ray_resources", (("Name", "CPU"), ("State", "USED")))] == used
    assert sample[("photon_resources_total", (("Name", "custom"),))] == usage["custom"][1] == 3
    store = sum(v for (name, _), v in sample.items() if name == "photon_object_store_capacity_bytes")
    assert store == 2 * cluster.object_store_bytes


def test_autoscaler_panel_says_when_none_runs(cluster):
    assert get(cluster, "/api/autoscaler").json() == {"running": False}
