#!/usr/bin/python3
"""The autoscaler end to end with the local provider, on a head with no CPUs
this script starts (photon start --head --autoscaling-config) and stops:

  1. seconds from a task becoming pending (no node can run it) to it running
     on a node the autoscaler launched, beside the time `photon start
     --address` alone takes to bring a node up (the floor: process start and
     registration);
  2. seconds from that node going idle to it being gone (drained, then
     terminated), beside the configured idle_timeout_s.

    /usr/bin/python3 bench/autoscaler_e2e_bench.py [--trials 3] [--idle-timeout-s 2]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "python"))

from photon import _core  # noqa: E402

PHOTON = os.path.join(REPO, "build", "bin", "photon")

CONFIG = """
provider: {type: local}
max_workers: 2
idle_timeout_s: %s
loop_period_s: 0.5
node_types:
  cpu1: {resources: {CPU: 1}, max_workers: 2}
"""

DRIVER = """
import time, photon
photon.init()
@photon.remote(num_cpus=1)
def started():
    return time.time()
submitted = time.time()
print(photon.get(started.remote()) - submitted)
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_nodes(address, token):
    return [labels for _, alive, labels in _core.gcs_node_labels(address, token)
            if alive and "photon.io/instance-id" in labels]


def start_by_hand(address, token, env):
    """Seconds `photon start --address` takes until its node is registered
    (the floor of any launch); the node is stopped again."""
    start = time.time()
    node = subprocess.Popen([PHOTON, "start", f"--address={address}", "--num-cpus=0", "--block",
                             "--object-store-memory=134217728", '--node-labels={"bench": "floor"}'],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not any(alive and labels.get("bench") == "floor" for _, alive, labels in _core.gcs_node_labels(address, token)):
        time.sleep(0.02)
    took = time.time() - start
    node.terminate()
    node.wait(timeout=30)
    return took


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--idle-timeout-s", type=float, default=2)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="photon-autoscaler-bench-")
    config = os.path.join(tmp, "autoscaler.yaml")
    with open(config, "w") as f:
        f.write(CONFIG % args.idle_timeout_s)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHOTON_")}
    env["PHOTON_TMPDIR"] = tmp
    port = free_port()
    subprocess.run([PHOTON, "start", "--head", f"--port={port}", "--num-cpus=0", "--include-dashboard=false",
                    "--object-store-memory=134217728", f"--autoscaling-config={config}"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    token = open(os.path.join(tmp, "session_latest", "token")).read().strip()
    env.update(PHOTON_CLUSTER_TOKEN=token, PHOTON_ADDRESS=address, PHOTON_LOG_LEVEL="warning")
    scale_up, scale_down, floor = [], [], []
    try:
        floor.append(start_by_hand(address, token, env))
        for _ in range(args.trials):
            # A task no node can run yet: the autoscaler must add one.
            out = subprocess.run(["/usr/bin/python3", "-c", DRIVER], env=env, check=True, capture_output=True,
                                 text=True, timeout=120).stdout
            scale_up.append(float(out.split()[-1]))
            idle_from = time.time()
            while worker_nodes(address, token):
                time.sleep(0.05)
            scale_down.append(time.time() - idle_from)
    finally:
        subprocess.run([PHOTON, "stop", "--grace-period-s=5"], env=env, stdout=subprocess.DEVNULL)
    print(f"pending task -> running on a new node ({args.trials} trials): median {statistics.median(scale_up):.2f} s"
          f"  (all: {', '.join(f'{t:.2f}' for t in scale_up)}; target < 3 s)")
    print(f"  reference: `photon start --address` alone until registered: {floor[0]:.2f} s")
    print(f"idle node -> gone: median {statistics.median(scale_down):.2f} s "
          f"(all: {', '.join(f'{t:.2f}' for t in scale_down)}; idle_timeout_s {args.idle_timeout_s:g} + drain + stop)")


if __name__ == "__main__":
    main()
