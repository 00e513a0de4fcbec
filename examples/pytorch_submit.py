#!/usr/bin/python3
"""Submits examples/pytorch_benchmark.py to a cluster as a job, through the
dashboard's job API (as Ray's Kubernetes walkthrough does), with this
examples folder as the job's working_dir.

    /usr/bin/python3 examples/pytorch_submit.py [--address http://127.0.0.1:8265] [--follow]
        [--python /usr/bin/python3] [-- BENCHMARK ARGS...]

e.g. `pytorch_submit.py --follow -- --epochs 2 --num-trials 4`. Prints the
submission id and how to follow the job's logs; with --follow it follows
them itself and exits 0 iff the job SUCCEEDED. The token comes from
PHOTON_CLUSTER_TOKEN, else the local session's token file (photon start
--head's); with kubectl port-forward, export the token first.
"""

import argparse
import asyncio
import os
import shlex
import sys
import time

from photon.job_submission import JobStatus, JobSubmissionClient

EXAMPLES = os.path.dirname(os.path.abspath(__file__))


def parse_args(argv):
    own, bench = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--address", default="http://127.0.0.1:8265", help="the dashboard's URL")
    p.add_argument("--follow", action="store_true", help="follow the job's logs until it ends")
    p.add_argument("--python", default="/usr/bin/python3",
                   help="the interpreter that runs the benchmark on the head (Photon's: Debian's python3)")
    p.add_argument("--submission-id", default=None)
    args = p.parse_args(own)
    args.bench = bench
    return args


async def follow(client, sid):
    async for text in client.tail_job_logs(sid):
        print(text, end="", flush=True)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    client = JobSubmissionClient(args.address)
    entrypoint = shlex.join([args.python, "pytorch_benchmark.py", *args.bench])
    sid = client.submit_job(entrypoint=entrypoint, runtime_env={"working_dir": EXAMPLES},
                            submission_id=args.submission_id)
    print(f"Submitted job {sid}: {entrypoint}")
    print("Follow its logs with:")
    print(f"  photon job logs {sid} --follow --address {args.address}")
    print(f"  (Ray's CLI: ray job logs '{sid}' --follow --address {args.address})", flush=True)
    if not args.follow:
        return 0
    asyncio.run(follow(client, sid))
    status = client.get_job_status(sid)
    for _ in range(100):  # the tail closes once the job ended; its status may trail it a little
        if status.is_terminal():
            break
        time.sleep(0.1)
        status = client.get_job_status(sid)
    print(f"Job {sid} ended: {status}", flush=True)
    return 0 if status == JobStatus.SUCCEEDED else 1


if __name__ == "__main__":
    sys.exit(main())
