"""Helpers the test modules share (fixtures are in conftest.py)."""

import os
import subprocess

import photon
from cluster import REPO, wait_until  # noqa: F401  (re-exported)


def hold(resources):
    """An actor holding `resources`, alive once this returns; kill it to free them."""
    @photon.remote
    class Holder:
        def ping(self):
            return 1

    holder = Holder.options(resources=resources).remote()
    photon.get(holder.ping.remote())
    return holder


def driver_env(**extra):
    """Environment for a driver subprocess: the repository's photon package,
    no PHOTON_ADDRESS/token inherited from this process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTON_")}
    env["PHOTON_BIN_DIR"] = os.environ["PHOTON_BIN_DIR"]
    env["PHOTON_TMPDIR"] = os.environ["PHOTON_TMPDIR"]
    env["PYTHONPATH"] = os.path.join(REPO, "python")
    env.update(extra)
    return env


def run_driver(code_or_path, env, timeout=120, args=()):
    """Runs a driver with /usr/bin/python3 (a file path or a code string);
    returns the CompletedProcess (text)."""
    argv = ["/usr/bin/python3"]
    argv += [code_or_path] if os.path.isfile(code_or_path) else ["-c", code_or_path]
    return subprocess.run(argv + list(args), env=env, capture_output=True, text=True, timeout=timeout)
