"""init()/shutdown()/is_initialized(): local clusters, joining running ones,
namespaces and runtime_env."""

import os
import socket
import subprocess

import pytest

import photon
from cluster import binary
from photon import _core
from testutil import driver_env, run_driver, wait_until


def _reachable(address):
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def _processes_mentioning(text):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if text.encode() in f.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


@photon.remote
def env_var(name):
    return os.environ.get(name)


def test_init_starts_a_local_cluster(fresh_driver, isolated_tmp):
    info = photon.init(num_cpus=3, resources={"local_thing": 2}, object_store_memory=64 << 20)
    assert photon.is_initialized()
    total = photon.cluster_resources()
    assert total["CPU"] == 3.0 and total["local_thing"] == 2.0
    assert total["object_store_memory"] == 64 << 20
    assert photon.get(env_var.remote("HOME")) == os.environ.get("HOME")
    with pytest.raises(RuntimeError, match="already"):
        photon.init()
    assert photon.init(ignore_reinit_error=True)["address"] == info["address"]
    session = info["session_dir"]
    assert _processes_mentioning(session)
    photon.shutdown()
    assert not photon.is_initialized()
    assert not _reachable(info["address"])
    wait_until(lambda: not _processes_mentioning(session), timeout=30, what="the local cluster's processes to end")


def test_local_cluster_stops_when_the_driver_exits(isolated_tmp):
    done = run_driver("import photon; info = photon.init(num_cpus=1); print(info['address'], info['session_dir'])",
                      driver_env(PHOTON_TMPDIR=isolated_tmp))
    assert done.returncode == 0, done.stderr
    address, session = done.stdout.split()[-2:]
    assert not _reachable(address)
    wait_until(lambda: not _processes_mentioning(session), timeout=30, what="the local cluster's processes to end")


def test_auto_finds_a_cluster_another_script_started(fresh_driver, isolated_tmp):
    script = ("import photon, sys, time\n"
              "print(photon.init(num_cpus=1)['address'], flush=True)\n"
              "sys.stdin.readline()\n")
    owner = subprocess.Popen(["/usr/bin/python3", "-c", script], env=driver_env(PHOTON_TMPDIR=isolated_tmp),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        address = owner.stdout.readline().strip()
        assert photon.init(address="auto")["address"] == address
        assert photon.get(env_var.remote("NOPE")) is None
        status = subprocess.run([binary("photon"), "status"], env=driver_env(PHOTON_TMPDIR=isolated_tmp),
                                capture_output=True, text=True, timeout=30)
        assert status.returncode == 0 and "1 node" in status.stdout, status.stdout + status.stderr
        photon.shutdown()
    finally:
        owner.communicate("\n", timeout=30)
    with pytest.raises(ConnectionError, match="no running cluster"):  # gone with its script
        photon.init(address="auto")


def test_first_call_initializes_photon(isolated_tmp):
    script = ("import photon\n"
              "@photon.remote\n"
              "def f():\n"
              "    return 8\n"
              "print('RESULT', photon.get(f.remote()), photon.is_initialized())\n")
    done = run_driver(script, driver_env(PHOTON_TMPDIR=isolated_tmp))
    assert "RESULT 8 True" in done.stdout, done.stderr[-2000:]
    for off in ({"PHOTON_DISABLE_AUTO_INIT": "1"}, {"RAY_ENABLE_AUTO_CONNECT": "0"}):
        done = run_driver(script, driver_env(PHOTON_TMPDIR=isolated_tmp, **off))
        assert done.returncode != 0
        assert "photon is not initialized: call photon.init() first (automatic initialization is off" in done.stderr


def test_auto_without_a_cluster(fresh_driver, isolated_tmp):
    with pytest.raises(ConnectionError, match="no running cluster"):
        photon.init(address="auto")


def test_auto_and_photon_address_join_the_latest_session(fresh_driver, isolated_tmp):
    cli = binary("photon")
    port = _core.free_port()
    started = subprocess.run([cli, "start", "--head", f"--port={port}", "--num-cpus=1", "--dashboard-port=0"],
                             env=driver_env(PHOTON_TMPDIR=isolated_tmp), capture_output=True, text=True)
    assert started.returncode == 0, started.stderr + started.stdout
    info = photon.init(address="auto")
    assert info["address"].endswith(f":{port}")
    assert photon.get(env_var.remote("NOPE")) is None
    photon.shutdown()
    # PHOTON_ADDRESS=auto in a driver that calls plain photon.init().
    done = run_driver("import photon; print(photon.init()['address']); print(photon.cluster_resources()['CPU'])",
                      driver_env(PHOTON_TMPDIR=isolated_tmp, PHOTON_ADDRESS="auto"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == [f"127.0.0.1:{port}", "1.0"]
    # init() with no address joins it too (instead of starting another).
    assert photon.init()["address"].endswith(f":{port}")
    photon.shutdown()
    with pytest.raises(ValueError, match="num_cpus"):
        photon.init(address="auto", num_cpus=2)


def test_init_checks_its_arguments(fresh_driver, one_node):
    with pytest.raises(TypeError, match="not_an_option"):
        photon.init(not_an_option=1)
    with pytest.raises(ValueError, match="runtime_env"):
        photon.init(runtime_env={"pip": ["x"]})
    with pytest.raises(ValueError, match="num_cpus"):
        one_node.connect(num_cpus=2)
    assert not photon.is_initialized()


def test_runtime_env_vars_reach_workers(fresh_driver, one_node):
    one_node.connect(runtime_env={"env_vars": {"PHOTON_TEST_VAR": "from-runtime-env"}})
    assert photon.get(env_var.remote("PHOTON_TEST_VAR")) == "from-runtime-env"

    @photon.remote
    class Reader:
        def read(self):
            return os.environ.get("PHOTON_TEST_VAR")

    assert photon.get(Reader.remote().read.remote()) == "from-runtime-env"


def test_namespace(fresh_driver, one_node):
    one_node.connect(namespace="team-a")
    assert photon.get_runtime_context().namespace == "team-a"

    @photon.remote
    class Named:
        def hi(self):
            return "hi"

    Named.options(name="in-team-a", lifetime="detached").remote()
    assert photon.get(photon.get_actor("in-team-a").hi.remote()) == "hi"
    one_node.connect(namespace="team-b")
    with pytest.raises(ValueError):
        photon.get_actor("in-team-a")
    actor = photon.get_actor("in-team-a", namespace="team-a")
    assert photon.get(actor.hi.remote()) == "hi"
    photon.kill(actor)


def test_shutdown_twice_is_harmless(fresh_driver):
    photon.shutdown()
    photon.shutdown()
    assert not photon.is_initialized()
