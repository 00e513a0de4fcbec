"""Fixtures of the Python tests.

A process's photon is a driver of one cluster at a time, so clusters and
connections are separate fixtures:

  one_node      session-scoped: a 1-node cluster (4 CPUs, {"custom": 2}).
  three_nodes   session-scoped: 3 nodes of 2 CPUs; node i has {"node<i>": 1}.
  two_cpus      session-scoped: a 1-node cluster of 2 CPUs and {"custom": 1}.
  photon_local  connects this process to one_node (reconnecting only when it
                was connected elsewhere or with other init options).
  photon_3      the same for three_nodes; photon_2cpus for two_cpus.
  isolated_tmp  PHOTON_TMPDIR set to a fresh directory, so photon.init()
                finds no running session and starts its own.

Each test runs against the tree it sits in: the repository's python/ comes
first on sys.path and its build/bin provides the daemons.
"""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "python"))
os.environ.setdefault("PHOTON_BIN_DIR", os.path.join(REPO, "build", "bin"))
# Sessions started by tests (photon.init() without a cluster, `photon
# start`) live here, not in /tmp/photon where a user's cluster may run.
_TMP_ROOT = tempfile.mkdtemp(prefix="photon-pytest-root-")
os.environ["PHOTON_TMPDIR"] = _TMP_ROOT

import photon  # noqa: E402

from cluster import Cluster, binary  # noqa: E402

_connection = {"cluster": None}


def _connect(cluster, **options):
    if _connection["cluster"] is cluster and photon.is_initialized():
        return
    cluster.connect(**options)
    _connection["cluster"] = cluster


def disconnect():
    """Ends this process's connection; the next photon_* fixture reconnects."""
    _connection["cluster"] = None
    if photon.is_initialized():
        photon.shutdown()


@pytest.fixture(scope="session")
def one_node():
    cluster = Cluster(num_nodes=1, cpus_per_node=4, resources_per_node=[{"custom": 2}],
                      object_store_bytes=512 << 20).start()
    yield cluster
    disconnect()
    cluster.stop()


@pytest.fixture(scope="session")
def three_nodes():
    cluster = Cluster(num_nodes=3, cpus_per_node=2, resources_per_node=[{f"node{i}": 1} for i in range(3)],
                      object_store_bytes=128 << 20).start()
    yield cluster
    disconnect()
    cluster.stop()


@pytest.fixture(scope="session")
def two_cpus():
    cluster = Cluster(num_nodes=1, cpus_per_node=2, resources_per_node=[{"custom": 1}],
                      object_store_bytes=128 << 20).start()
    yield cluster
    disconnect()
    cluster.stop()


@pytest.fixture
def photon_local(one_node):
    _connect(one_node)
    return one_node


@pytest.fixture
def photon_3(three_nodes):
    _connect(three_nodes)
    return three_nodes


@pytest.fixture
def photon_2cpus(two_cpus):
    _connect(two_cpus)
    return two_cpus


@pytest.fixture
def fresh_driver():
    """A test that calls photon.init() itself: starts disconnected and
    disconnects afterwards."""
    disconnect()
    yield
    disconnect()


@pytest.fixture
def isolated_tmp(monkeypatch):
    root = tempfile.mkdtemp(prefix="photon-t-")
    monkeypatch.setenv("PHOTON_TMPDIR", root)
    monkeypatch.delenv("PHOTON_ADDRESS", raising=False)
    monkeypatch.delenv("PHOTON_CLUSTER_TOKEN", raising=False)
    yield root
    subprocess.run([binary("photon"), "stop", "--grace-period-s=5"],
                   env=dict(os.environ, PHOTON_TMPDIR=root), capture_output=True)
    shutil.rmtree(root, ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    disconnect()
    shutil.rmtree(_TMP_ROOT, ignore_errors=True)
