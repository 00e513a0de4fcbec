"""The autoscaler with the local provider, end to end: a head with no CPUs
started by `photon start --head --autoscaling-config`, drivers that need
capacity, and photon-autoscaler starting and stopping real raylets on this
machine (`photon start --address ... --block`), watched through the GCS
(node labels), `photon status` and the autoscaler's instance table."""

import json
import os
import signal
import subprocess
import tempfile
import textwrap
import time

import pytest

from cluster import binary, pid_alive, wait_until
from photon import _core

TIMEOUT = 90

CONFIG = """
provider: {type: local}
max_workers: 4
idle_timeout_s: %(idle)s
upscaling_speed: 1.0
loop_period_s: 0.5
launch_timeout_s: 60
node_types:
  cpu2: {resources: {CPU: 2}, max_workers: 3}
  special: {resources: {CPU: 1, special: 1}, min_workers: %(special_min)s, max_workers: 1}
"""


class Head:
    """A head (GCS, dashboard off, autoscaler) in a private PHOTON_TMPDIR."""

    def __init__(self, idle=3, special_min=0):
        self.tmp = tempfile.mkdtemp(prefix="photon-autoscaler-test-")
        self.config = os.path.join(self.tmp, "autoscaler.yaml")
        with open(self.config, "w") as f:
            f.write(CONFIG % {"idle": idle, "special_min": special_min})
        self.port = _core.free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTON_")}
        self.env.update(PHOTON_TMPDIR=self.tmp, PHOTON_BIN_DIR=os.path.dirname(binary("photon")))
        started = self.photon("start", "--head", f"--port={self.port}", "--num-cpus=0", "--include-dashboard=false",
                              "--object-store-memory=134217728", f"--autoscaling-config={self.config}")
        assert started.returncode == 0, started.stdout + started.stderr
        session = os.path.realpath(os.path.join(self.tmp, "session_latest"))
        with open(os.path.join(session, "token")) as f:
            self.token = f.read().strip()
        self.session = session
        self.env["PHOTON_CLUSTER_TOKEN"] = self.token
        self.address = f"127.0.0.1:{self.port}"

    def photon(self, *args, timeout=TIMEOUT):
        return subprocess.run([binary("photon"), *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def status(self):
        done = self.photon("status")
        assert done.returncode == 0, done.stderr
        return done.stdout

    def worker_nodes(self):
        """{instance id: node type} of the alive nodes the autoscaler launched."""
        out = {}
        for node_id, alive, labels in _core.gcs_node_labels(self.address, self.token):
            if alive and "photon.io/instance-id" in labels:
                out[labels["photon.io/instance-id"]] = labels["photon.io/node-type"]
        return out

    def instances(self):
        """The autoscaler's own table: [{id, node_type, state, ...}]."""
        report = self.report()
        return report.get("instances", []) if report else []

    def report(self):
        text = _core.gcs_kv_get(self.address, self.token, "autoscaler", "report")
        return json.loads(text) if text else None

    def wait_for_decisions_after(self, seconds):
        """Returns once the autoscaler has reported a loop run `seconds` from
        now or later: what it decided then is in the report and the table."""
        after_ms = (time.time() + seconds) * 1000
        wait_until(lambda: (r := self.report()) and r["time_ms"] >= after_ms, timeout=TIMEOUT + seconds,
                   what=f"an autoscaler loop {seconds} s from now")

    def autoscaler_pid(self):
        with open(os.path.join(self.session, "pids", "autoscaler")) as f:
            return int(f.read())

    def driver(self, code, wait=True):
        script = textwrap.dedent(code)
        env = dict(self.env, PHOTON_ADDRESS=self.address, PHOTON_LOG_LEVEL="warning")
        proc = subprocess.Popen(["/usr/bin/python3", "-c", script], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        if not wait:
            return proc
        out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, out + err
        return out

    def stop(self):
        self.photon("stop", "--grace-period-s=5")


@pytest.fixture
def head():
    h = Head()
    yield h
    h.stop()


def test_tasks_start_nodes_that_drain_and_go_when_idle(head):
    out = head.driver("""
        import time, photon
        photon.init()
        @photon.remote(num_cpus=1)
        def work(i):
            time.sleep(3)
            return photon.get_runtime_context().get_node_id()
        nodes = photon.get([work.remote(i) for i in range(6)])
        print(len(set(nodes)), len(nodes))
    """)
    distinct, done = map(int, out.split()[-2:])
    assert done == 6 and 1 <= distinct <= 3
    launched = {i["id"]: i["state"] for i in head.instances()}
    assert any(i.startswith("photon-cpu2-") for i in launched), launched
    assert "FAILED" not in launched.values(), launched
    # Idle for idle_timeout_s: drained, then terminated.
    wait_until(lambda: not head.worker_nodes(), timeout=TIMEOUT, what="the idle nodes to be gone")
    wait_until(lambda: {i["state"] for i in head.instances()} == {"TERMINATED"}, timeout=TIMEOUT,
               what=f"every instance TERMINATED ({head.instances()})")
    assert "drain" in " ".join(head.report()["recent_decisions"])


def test_infeasible_demand_launches_nothing_and_is_reported(head):
    proc = head.driver("""
        import photon
        photon.init()
        @photon.remote(num_cpus=100)
        def huge():
            return 1
        ref = huge.remote()
        photon.get(ref)
    """, wait=False)
    try:
        wait_until(lambda: "Infeasible demand:\n 1 x" in head.status(), timeout=TIMEOUT,
                   what="the infeasible demand in photon status")
        assert "100" in head.status().split("Infeasible demand:")[1]
        head.wait_for_decisions_after(2)  # a few more loops decided on it
        assert head.instances() == [] and head.worker_nodes() == {}
    finally:
        proc.kill()
        proc.communicate()


def test_an_actor_needing_a_custom_resource_starts_the_type_that_has_it(head):
    out = head.driver("""
        import photon
        photon.init()
        @photon.remote(num_cpus=1, resources={"special": 1})
        class Special:
            def where(self):
                return photon.get_runtime_context().get_node_id()
        print(photon.get(Special.remote().where.remote()))
    """)
    assert out.strip()
    assert set(head.worker_nodes().values()) == {"special"}


def test_strict_spread_group_starts_a_node_per_bundle(head):
    head.driver("""
        import photon
        from photon.util import placement_group
        photon.init()
        group = placement_group([{"CPU": 1}] * 3, strategy="STRICT_SPREAD")
        photon.get(group.ready(), timeout=80)
    """)
    nodes = head.worker_nodes()
    assert len(nodes) == 3 and set(nodes.values()) == {"cpu2"}


def test_restarting_the_autoscaler_mid_scale_launches_nothing_twice(head):
    proc = head.driver("""
        import time, photon
        photon.init()
        @photon.remote(num_cpus=2)
        def work():
            time.sleep(6)
        photon.get([work.remote() for _ in range(3)])
    """, wait=False)
    try:
        wait_until(lambda: head.instances(), timeout=TIMEOUT, what="the first launches")
        pid = head.autoscaler_pid()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(pid), what="the killed autoscaler to exit")
        restarted = subprocess.Popen([binary("photon-autoscaler"), f"--gcs-address={head.address}",
                                      f"--config={head.config}", f"--session-dir={head.session}"], env=head.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
            assert proc.returncode == 0, out + err
            ids = [i["id"] for i in head.instances()]
            assert len(ids) == len(set(ids)) <= 3, ids
            assert len(head.worker_nodes()) <= 3
        finally:
            restarted.terminate()
            restarted.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_min_workers_keeps_a_node():
    h = Head(idle=2, special_min=1)
    try:
        wait_until(lambda: set(h.worker_nodes().values()) == {"special"}, timeout=TIMEOUT,
                   what="the min_workers node")
        h.wait_for_decisions_after(4)  # loops past the idle timeout
        assert set(h.worker_nodes().values()) == {"special"}
        assert [i["state"] for i in h.instances()] == ["RUNNING"]
    finally:
        h.stop()


def test_a_node_that_got_work_refuses_the_drain_and_keeps_it(three_nodes):
    """DrainNode as the autoscaler sends it: a node that got a task since it
    was seen idle refuses (naming what it holds) and finishes the task; once
    idle again it accepts, and then offers nothing to new work."""
    import photon
    from photon.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    from conftest import disconnect
    disconnect()
    three_nodes.connect()
    node = three_nodes.node_ids[2]

    @photon.remote(num_cpus=1)
    def where(path):
        open(path, "w").close()
        time.sleep(2)
        return photon.get_runtime_context().get_node_id()

    mark = os.path.join(tempfile.mkdtemp(), "running")
    ref = where.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False)).remote(mark)
    wait_until(lambda: os.path.exists(mark), timeout=TIMEOUT, what="the task to run on the node")
    accepted, reason, _ = _core.raylet_drain(three_nodes.gcs_address, three_nodes.token, node, True)
    assert not accepted and "busy" in reason and "lease" in reason, reason
    assert photon.get(ref) == node
    wait_until(lambda: _core.raylet_drain(three_nodes.gcs_address, three_nodes.token, node, True)[0],
               timeout=TIMEOUT, what="the idle node to accept the drain")
    wait_until(lambda: photon.available_resources().get("CPU", 0) <= 4, timeout=TIMEOUT,
               what="the drained node's CPUs to leave the available view")
    _core.raylet_drain(three_nodes.gcs_address, three_nodes.token, node, False)
    disconnect()
