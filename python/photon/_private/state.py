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
        self.on_exit = None       # photon.shutdown, set by the worker module
        self._executor = None
        self.pending_futures = set()  # ObjectRef.future()s not resolved yet

    def require_core(self):
        """The core worker; RuntimeError when photon is not initialized."""
        c = self.core
        if c is None:
            raise RuntimeError("photon is not initialized: call photon.init() first")
        return c

    def executor(self):
        with self.lock:
            if self._executor is None:
                import concurrent.futures.thread  # noqa: F401  (registers its exit hook first)
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=32, thread_name_prefix="photon-await")
                # At exit Python joins the executor's threads before atexit
                # handlers run, and hooks registered later run first: shut
                # photon down before that join, so gets still waiting there end.
                threading._register_atexit(self._exit)
            return self._executor

    def _exit(self):
        if self.on_exit is not None:
            self.on_exit()


state = State()
