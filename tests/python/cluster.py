"""A real Photon cluster on loopback for the Python tests (the Python twin of
tests/cluster_fixture.h).

Starts photon-gcs and N photon-raylets as separate processes, each with its
own ports, session directory (logs, store socket) under one temporary
directory, and a fresh cluster token; waits until every raylet is
registered. stop() ends everything (SIGTERM, then SIGKILL), the workers the
raylets started included, and every daemon also dies with the test process
(PR_SET_PDEATHSIG), so a failing test leaves nothing behind.

    cluster = Cluster(num_nodes=3, cpus_per_node=2).start()
    cluster.connect()            # this process's photon joins it as a driver
    ...
    cluster.stop()

With storage="redis://HOST:PORT" the GCS keeps its tables in Redis, and
kill_gcs() / restart_gcs() take it down with SIGKILL and start it again on
the same port (tests/python/redis_server.py starts a Redis).

With dashboard=True a photon-dashboard serves the cluster on a free port
(dashboard_url; its session folder is the head's, node-0), and
kill_dashboard() / start_dashboard() take it down and bring it back on the
same port. stop() also ends the job supervisors it started.

Binaries come from PHOTON_BIN_DIR, else the repository's build/bin; the
daemons are found, given ports and started through photon._core (the core's
process plumbing, core/common/process.h), as photon.init's own are.
"""

import contextlib
import json
import os
import secrets
import shutil
import signal
import tempfile
import time

import photon
from photon import _core

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHM = "/dev/shm"


def bin_dir():
    return os.environ.get("PHOTON_BIN_DIR") or os.path.join(REPO, "build", "bin")


def binary(name):
    """`name` as the core finds it, which must be the one in bin_dir(): a test
    never runs another tree's build."""
    path = os.path.join(os.path.abspath(bin_dir()), name)
    try:
        found = _core.find_binary(name)
    except ValueError:
        found = None
    if found != path:
        raise RuntimeError(f"{path} is missing: run `make build` (or set PHOTON_BIN_DIR)")
    return path


def shm_free_bytes():
    st = os.statvfs(SHM)
    return st.f_bavail * st.f_frsize


def require_shm(wanted):
    free = shm_free_bytes()
    if free < wanted:
        raise RuntimeError(f"these tests need {wanted} bytes free in {SHM} for object stores, but it has "
                           f"only {free}; enlarge {SHM} (docker: --shm-size) or free it")


def _children(pid):
    """Pids whose parent is `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            out.append(int(entry))
    return out


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(predicate, timeout=20, interval=0.05, what="condition"):
    """Polls `predicate` until it returns something truthy (returned) or
    `timeout` seconds pass (AssertionError naming `what`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Cluster:
    def __init__(self, num_nodes=1, cpus_per_node=2, resources_per_node=None,
                 object_store_bytes=256 << 20, report_period_ms=100, raylet_args=(), storage="memory",
                 dashboard=False, dashboard_args=()):
        self.num_nodes = num_nodes
        self.cpus_per_node = cpus_per_node
        self.resources_per_node = resources_per_node or [{} for _ in range(num_nodes)]
        self.object_store_bytes = object_store_bytes
        self.report_period_ms = report_period_ms
        self.raylet_args = list(raylet_args)  # more flags for every raylet
        self.storage = storage  # the GCS's tables: "memory", or "redis://HOST:PORT" to survive restarts
        self.dashboard = dashboard
        self.dashboard_args = list(dashboard_args)  # more flags for photon-dashboard
        self.dashboard_port = None
        self._dashboard = None
        self.token = secrets.token_hex(32)
        self.dir = None
        self.gcs_address = None
        self.node_ids = []        # hex, in start order
        self._gcs = None          # _core.Child
        self._raylets = []

    # --- lifecycle

    def start(self):
        require_shm(self.object_store_bytes * self.num_nodes)
        self.dir = tempfile.mkdtemp(prefix="photon-pytest-")
        try:
            self.gcs_address = f"127.0.0.1:{_core.free_port()}"
            self._start_gcs()
            for i in range(self.num_nodes):
                self.add_node(self.cpus_per_node, self.resources_per_node[i], head=(i == 0))
            if self.dashboard:
                self.dashboard_port = _core.free_port()
                self.start_dashboard()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_gcs(self):
        port = self.gcs_address.rpartition(":")[2]
        self._gcs = self._spawn([binary("photon-gcs"), "--host=127.0.0.1", f"--port={port}",
                                 f"--storage={self.storage}", "--health-check-period-ms=200",
                                 "--health-check-timeout-ms=500", "--health-check-failure-threshold=3"], "gcs")
        wait_until(self._gcs_answers, what=f"the GCS at {self.gcs_address} ({self.log('gcs')[-2000:]})")

    def kill_gcs(self):
        """SIGKILLs the GCS and waits until it is gone (raylets and workers live on)."""
        self._gcs.send_signal(signal.SIGKILL)
        wait_until(lambda: self._gcs.poll() is not None, what="the killed GCS to exit")

    def restart_gcs(self):
        """Starts the GCS again on the same port and storage (its log goes on
        in gcs.log); returns once it answers."""
        if self._gcs is not None and self._gcs.poll() is None:
            raise RuntimeError("restart_gcs: the GCS is still running; kill_gcs() first")
        self._start_gcs()

    @property
    def dashboard_url(self):
        return f"http://127.0.0.1:{self.dashboard_port}"

    @property
    def head_session(self):
        return os.path.join(self.dir, "node-0")

    def start_dashboard(self):
        """Starts photon-dashboard on dashboard_port (again, after
        kill_dashboard) and waits until it answers."""
        if self._dashboard is not None and self._dashboard.poll() is None:
            raise RuntimeError("start_dashboard: the dashboard is still running; kill_dashboard() first")
        args = [binary("photon-dashboard"), f"--gcs-address={self.gcs_address}", "--host=127.0.0.1",
                f"--port={self.dashboard_port}", f"--session-dir={self.head_session}",
                "--metrics-interval-ms=500"] + self.dashboard_args
        self._dashboard = self._spawn(args, "dashboard")
        wait_until(self._dashboard_answers, what=f"the dashboard on port {self.dashboard_port} "
                                                 f"({self.log('dashboard')[-2000:]})")

    def _dashboard_answers(self):
        import urllib.request
        if self._dashboard.poll() is not None:
            raise RuntimeError(f"photon-dashboard exited with {self._dashboard.returncode}:\n{self.log('dashboard')}")
        try:
            with urllib.request.urlopen(f"{self.dashboard_url}/api/healthz", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    def kill_dashboard(self, sig=signal.SIGKILL):
        """Ends the dashboard (SIGKILL by default) and waits until it is gone;
        the jobs it started run on."""
        self._dashboard.send_signal(sig)
        wait_until(lambda: self._dashboard.poll() is not None, what="the dashboard to exit")

    def supervisor_pids(self):
        """Pids of the job supervisors the head session records."""
        pids = []
        folder = os.path.join(self.head_session, "pids")
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if name.startswith("job-"):
                with contextlib.suppress(OSError, ValueError), open(os.path.join(folder, name)) as f:
                    pids.append(int(f.read().strip()))
        return [p for p in pids if pid_alive(p)]

    def add_node(self, cpus, resources=None, head=False):
        index = len(self._raylets)
        node_id = secrets.token_hex(28)
        session = os.path.join(self.dir, f"node-{index}")
        os.makedirs(os.path.join(session, "logs"))
        args = [binary("photon-raylet"), f"--gcs-address={self.gcs_address}", "--node-ip=127.0.0.1",
                f"--node-id={node_id}", f"--num-cpus={cpus}", "--num-gpus=0", "--memory=1073741824",
                f"--object-store-memory={self.object_store_bytes}", f"--session-dir={session}",
                f"--report-period-ms={self.report_period_ms}", f"--resources={json.dumps(resources or {})}"]
        args.append(f"--metrics-export-port={_core.free_port()}")  # 8080 is for one raylet at most
        if head:
            args.append("--head")
        args += self.raylet_args
        self._raylets.append(self._spawn(args, f"raylet-{index}"))
        self.node_ids.append(node_id)
        wait_until(lambda: self.node_alive(node_id),
                   what=f"raylet {index} to register ({self.log(f'raylet-{index}')[-2000:]})")
        return node_id

    def stop(self):
        """Ends the raylets (each stops its workers), then the GCS; SIGKILLs
        whatever is still there after a few seconds, workers included."""
        workers = [c for p in self._raylets for c in _children(p.pid)]
        if self._dashboard is not None and self._dashboard.poll() is None:
            _core.terminate_all([self._dashboard.pid], grace=5)
        supervisors = self.supervisor_pids() if self.dir else []
        if supervisors:
            _core.terminate_all(supervisors, grace=5)
        # (A child already reaped keeps no pid: it may be someone else's now.)
        procs = [p for p in self._raylets + [self._gcs] if p is not None and p.poll() is None]
        _core.terminate_all([p.pid for p in procs], grace=5)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._raylets, self._gcs, self._dashboard = [], None, None
        if self.dir and not os.environ.get("PHOTON_TEST_KEEP_LOGS"):
            shutil.rmtree(self.dir, ignore_errors=True)

    # --- helpers

    def _spawn(self, argv, name):
        env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTON_")}
        env["PHOTON_CLUSTER_TOKEN"] = self.token
        env["PHOTON_BIN_DIR"] = bin_dir()
        return _core.spawn(argv, log=os.path.join(self.dir, f"{name}.log"), env=env, die_with_parent=True)

    def _gcs_answers(self):
        if self._gcs.poll() is not None:
            raise RuntimeError(f"photon-gcs exited with {self._gcs.returncode}:\n{self.log('gcs')}")
        try:
            _core.gcs_nodes(self.gcs_address, self.token)
            return True
        except photon.exceptions.PhotonError:  # not listening yet
            return False

    def nodes(self):
        """{node id hex: alive} as the GCS sees them."""
        return {nid.hex(): alive for nid, alive in _core.gcs_nodes(self.gcs_address, self.token)}

    def node_alive(self, node_id):
        return self.nodes().get(node_id, False)

    def raylet_pid(self, index):
        return self._raylets[index].pid

    def kill_node(self, index, sig=signal.SIGKILL):
        self._raylets[index].send_signal(sig)

    def raylet_running(self, index):
        return self._raylets[index].poll() is None

    def worker_pids(self):
        return [c for p in self._raylets for c in _children(p.pid)]

    def log(self, name):
        try:
            with open(os.path.join(self.dir, f"{name}.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def env(self):
        """Environment for a driver subprocess that joins this cluster with
        photon.init() (PHOTON_ADDRESS and the token)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTON_")}
        env["PHOTON_ADDRESS"] = self.gcs_address
        env["PHOTON_CLUSTER_TOKEN"] = self.token
        env["PHOTON_BIN_DIR"] = bin_dir()
        env["PYTHONPATH"] = os.pathsep.join([os.path.join(REPO, "python"), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep)
        return env

    def connect(self, **init_options):
        """Makes this process's photon a driver of this cluster (disconnecting
        it from any other first)."""
        if photon.is_initialized():
            photon.shutdown()
        os.environ["PHOTON_CLUSTER_TOKEN"] = self.token
        return photon.init(address=self.gcs_address, **init_options)
