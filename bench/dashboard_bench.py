#!/usr/bin/python3
"""The dashboard's figures, each beside its reference measured in the same run,
on a local cluster this script starts (photon start --head) and stops:

  1. submit_job -> entrypoint running: the time from JobSubmissionClient.submit_job
     until the entrypoint's first line runs, beside the time the same command
     takes to start from a plain subprocess (the floor: process start-up).
  2. p50/p99 of GET /api/jobs/ with --jobs jobs in the history, and of
     GET /api/v0/tasks?limit=100 with --tasks finished tasks, beside
     GET /api/healthz (the HTTP floor) over the same connection.

    /usr/bin/python3 bench/dashboard_bench.py [--jobs 50] [--tasks 10000] [--requests 300]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import requests  # noqa: E402

from photon.job_submission import JobSubmissionClient  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PHOTON = os.path.join(REPO, "build", "bin", "photon")


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def wait_for(path, timeout=60):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {path}")
        time.sleep(0.002)
    with open(path) as f:
        return float(f.read())


def mark_script(mark):
    """Python that writes the time it started running to `mark`."""
    return (f"import os, time; open({mark!r} + '.tmp', 'w').write(repr(time.time())); "
            f"os.rename({mark!r} + '.tmp', {mark!r})")


def submit_latency(client, scratch, trials):
    """Seconds from submit_job to the entrypoint's first line, per trial; and
    the same command started by subprocess."""
    via_api, direct = [], []
    for i in range(trials):
        mark = os.path.join(scratch, f"api-{i}")
        start = time.time()
        client.submit_job(entrypoint=f"/usr/bin/python3 -c \"{mark_script(mark)}\"")
        via_api.append(wait_for(mark) - start)
        mark = os.path.join(scratch, f"direct-{i}")
        start = time.time()
        subprocess.Popen(["/usr/bin/python3", "-c", mark_script(mark)])
        direct.append(wait_for(mark) - start)
    return via_api, direct


def timed_gets(session, url, headers, n):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        reply = session.get(url, headers=headers, timeout=30)
        times.append(time.perf_counter() - start)
        reply.raise_for_status()
        time.sleep(0.01)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="photon-dashboard-bench-")
    env = dict(os.environ, PHOTON_TMPDIR=tmp)
    gcs_port, dash_port = free_port(), free_port()
    subprocess.run([PHOTON, "start", "--head", f"--port={gcs_port}", f"--dashboard-port={dash_port}",
                    "--num-cpus=2"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        os.environ["PHOTON_TMPDIR"] = tmp
        url = f"http://127.0.0.1:{dash_port}"
        client = JobSubmissionClient(url)
        scratch = os.path.join(tmp, "marks")
        os.makedirs(scratch)
        via_api, direct = submit_latency(client, scratch, args.trials)
        print(f"submit_job -> entrypoint running ({args.trials} jobs):   p50 {percentile(via_api, 50) * 1e3:7.1f} ms"
              f"   p99 {percentile(via_api, 99) * 1e3:7.1f} ms")
        print(f"  reference: the same command from subprocess:  p50 {percentile(direct, 50) * 1e3:7.1f} ms"
              f"   p99 {percentile(direct, 99) * 1e3:7.1f} ms")

        for _ in range(max(0, args.jobs - args.trials)):
            client.submit_job(entrypoint="true")
        driver = (f"import photon; photon.init(address='127.0.0.1:{gcs_port}')\n"
                  f"@photon.remote\ndef f(i):\n    return i\n"
                  f"assert sum(photon.get([f.remote(i) for i in range({args.tasks})])) == {args.tasks * (args.tasks - 1) // 2}\n")
        subprocess.run(["/usr/bin/python3", "-c", driver], env=dict(env, PHOTON_LOG_LEVEL="warning"), check=True)
        token = open(os.path.join(tmp, "session_latest", "token")).read().strip()
        headers = {"Authorization": f"Bearer {token}"}
        http = requests.Session()
        deadline = time.monotonic() + 30
        while True:  # task events reach the GCS in batches
            total = http.get(f"{url}/api/v0/tasks?limit=1&state=FINISHED", headers=headers).json()
            if total["data"]["result"]["total"] >= args.tasks or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        jobs = len(http.get(f"{url}/api/jobs/", headers=headers).json())
        # The task lists read the GCS at most once a second (StateApi's cache):
        # spread the requests over several seconds so refreshes are measured too.
        print(f"\nGET p50/p99/max over {args.requests} requests 10 ms apart, one keep-alive connection "
              f"({jobs} jobs, {total['data']['result']['total']} finished tasks kept):")
        for name, path in [("/api/healthz (reference)", "/api/healthz"), ("/api/jobs/", "/api/jobs/"),
                           ("/api/v0/tasks?limit=100", "/api/v0/tasks?limit=100"),
                           ("/api/v0/tasks/summarize", "/api/v0/tasks/summarize")]:
            times = timed_gets(http, url + path, headers, args.requests)
            print(f"  {name:32s} p50 {percentile(times, 50) * 1e3:7.2f} ms   p99 {percentile(times, 99) * 1e3:7.2f} ms"
                  f"   max {max(times) * 1e3:7.2f} ms")
    finally:
        subprocess.run([PHOTON, "stop"], env=env, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
