"""The `ray` command of Photon's image: KubeRay's `ray start` command lines
(tests/python/fixtures/kuberay_command_lines.txt) translated into `photon
start`, run for real to form a head and a worker, and `ray health-check`,
with the token given as KubeRay users give it (RAY_AUTH_TOKEN)."""

import os
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile

import pytest

from cluster import REPO, binary, wait_until
from photon import _core
from photon._private import ray_cli

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "kuberay_command_lines.txt")


def command_lines():
    lines = {}
    with open(FIXTURE) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                kind, _, command = line.partition(":")
                lines[kind.strip()] = shlex.split(command)[2:]  # after "ray start"
    return lines


def test_every_kuberay_flag_translates():
    lines = command_lines()
    head, ignored = ray_cli.translate_start(lines["head"])
    assert "--head" in head and "--block" in head and "--dashboard-host=0.0.0.0" in head
    assert "--metrics-export-port=8080" in head and "--num-cpus=1" in head and "--memory=1073741824" in head
    assert set(ignored) == {"dashboard-agent-listen-port", "no-monitor"}
    worker, _ = ray_cli.translate_start([a.replace("{HEAD}", "head-svc:6379") for a in lines["worker"]])
    assert "--address=head-svc:6379" in worker and "--head" not in worker
    assert ray_cli.translate_start(["--node-manager-port", "1234", "--labels={\"a\": \"b\"}"])[0] == [
        "--raylet-port=1234", '--node-labels={"a": "b"}']


def test_unknown_flags_are_refused_by_name():
    with pytest.raises(ray_cli.UsageError, match="unknown flag --bogus"):
        ray_cli.translate_start(["--head", "--bogus=1"])
    done = subprocess.run([sys.executable, "-m", "photon._private.ray_cli", "start", "--bogus"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(REPO, "python")))
    assert done.returncode == 2 and "unknown flag --bogus" in done.stderr


def test_kuberay_command_lines_form_a_cluster_that_passes_the_health_check():
    tmp = tempfile.mkdtemp(prefix="photon-ray-cli-")
    token = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PHOTON_", "RAY_"))}
    env.update(PHOTON_TMPDIR=tmp, RAY_AUTH_TOKEN=token, PHOTON_CLI=binary("photon"),
               PHOTON_BIN_DIR=os.path.dirname(binary("photon")), PYTHONPATH=os.path.join(REPO, "python"))
    port = _core.free_port()
    address = f"127.0.0.1:{port}"
    # Ports of this machine's other clusters may be taken: the test's own, and a small store.
    extra = [f"--port={port}", f"--dashboard-port={_core.free_port()}", "--object-store-memory=134217728"]
    lines = command_lines()
    ray = [sys.executable, "-m", "photon._private.ray_cli"]
    head = subprocess.Popen(ray + ["start"] + lines["head"] + extra, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    worker = None
    try:
        health = ray + ["health-check", "--address", address]
        wait_until(lambda: subprocess.run(health, env=env, capture_output=True).returncode == 0, timeout=60,
                   what="the head to pass `ray health-check`")
        worker_args = [a.replace("{HEAD}", address) for a in lines["worker"]] + ["--object-store-memory=134217728"]
        worker = subprocess.Popen(ray + ["start"] + worker_args, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        wait_until(lambda: sum(alive for _, alive in _core.gcs_nodes(address, token)) == 2, timeout=60,
                   what="the worker to join the head")
        wrong = subprocess.run(health, env=dict(env, RAY_AUTH_TOKEN="wrong"), capture_output=True, text=True)
        assert wrong.returncode == 1 and "not healthy" in wrong.stderr
    finally:
        for proc in (worker, head):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)
        subprocess.run([binary("photon"), "stop", "--grace-period-s=5"], env=env, capture_output=True)
