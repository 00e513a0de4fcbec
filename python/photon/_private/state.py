"""The process's Photon state (one per process)."""

import concurrent.futures
import threading


class State:
    def __init__(self):
        self.core = None          # photon._core.Worker once initialized
        self.cluster = None       # the LocalCluster this driver started, if any
        self.is_driver = True
        self.gcs_address = ""
        self.session_dir = ""
        self.namespace = ""
        self.exported = set()     # function ids this process added to the GCS
        self.functions = {}       # function id -> loaded function or class
        self.lock = threading.RLock()
        self._executor = None

    def require_core(self):
        """The core worker; RuntimeError when photon is not initialized."""
        c = self.core
        if c is None:
            raise RuntimeError("photon is not initialized: call photon.init() first")
        return c

    def executor(self):
        with self.lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=32, thread_name_prefix="photon-await")
            return self._executor


state = State()
