"""A Python worker process: `python -m photon._private.worker_main --cwd DIR`,
started by a raylet (with PHOTON_* variables in its environment)."""

import argparse
import os
import sys

from photon import _core
from photon._private import execution
from photon._private.state import state


def main():
    parser = argparse.ArgumentParser(prog="photon worker")
    parser.add_argument("--cwd", default="")
    parser.add_argument("--env-keys", default="", help="runtime_env variables, passed on to nested jobs' workers")
    args = parser.parse_args()
    if args.cwd and os.path.isdir(args.cwd):
        os.chdir(args.cwd)
        if args.cwd not in sys.path:
            sys.path.insert(0, args.cwd)
    # Tasks this worker submits start their workers the way it was started.
    keys = [k for k in args.env_keys.split(",") if k]
    env_prefix = ["/usr/bin/env", "PYTHONPATH=" + os.environ.get("PYTHONPATH", "")]
    env_prefix += [f"{k}={os.environ.get(k, '')}" for k in keys]
    command = [sys.executable, "-u", "-m", "photon._private.worker_main", "--cwd", args.cwd,
               "--env-keys", args.env_keys]
    state.is_driver = False
    state.core = _core.Worker.start_worker(execution.execute, env_prefix + command)
    try:
        state.core.run_task_loop()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
