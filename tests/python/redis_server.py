"""A real redis-server for the Python tests (the Python twin of
gcs/store/redis_server_for_test.h): on a free loopback port, in a temporary
directory of its own, with no snapshots, dying with the test process.

    redis = RedisServer().start()
    cluster = Cluster(storage=redis.url).start()
    ...
    redis.stop()
"""

import os
import shutil
import socket
import tempfile

from photon import _core

from cluster import wait_until

REDIS_SERVER = "/usr/bin/redis-server"


class RedisServer:
    def __init__(self):
        self.port = None
        self.dir = None
        self._proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        if not os.access(REDIS_SERVER, os.X_OK):
            raise RuntimeError(f"{REDIS_SERVER} is missing: install the redis-server package")
        self.dir = tempfile.mkdtemp(prefix="photon-redis-")
        self.port = _core.free_port()
        self._proc = _core.spawn([REDIS_SERVER, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1",
                                  "--port", str(self.port), "--dir", self.dir],
                                 log=os.path.join(self.dir, "redis.log"), die_with_parent=True)
        wait_until(self._answers, timeout=10, what=f"redis-server on port {self.port} ({self._log_tail()})")
        return self

    def stop(self):
        if self._proc is not None and self._proc.poll() is None:
            _core.terminate_all([self._proc.pid], grace=5)
        self._proc = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def _answers(self):
        if self._proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self._proc.returncode}: {self._log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def _log_tail(self):
        try:
            with open(os.path.join(self.dir, "redis.log"), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""
