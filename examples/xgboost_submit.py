#!/usr/bin/python3
"""Submits examples/xgboost_benchmark.py to a cluster through its dashboard's
job API, as Ray's Kubernetes XGBoost walkthrough does (there with `ray job
submit`): the examples folder is the job's working_dir, uploaded by the
client, and the benchmark runs as the job's driver on the head node.

    kubectl port-forward service/photon-head 8265:8265 &       # or any route to the dashboard
    /usr/bin/python3 examples/xgboost_submit.py -- --size 100G --num-workers 10 --cpus-per-worker 14
    /usr/bin/python3 examples/xgboost_submit.py --follow -- --smoke-test

Everything after `--` goes to the benchmark (its defaults: 10G, one worker
per node). Prints the submission id and how to follow the logs; with
--follow, follows them until the job ends and exits 0 iff it SUCCEEDED.
The token comes from PHOTON_CLUSTER_TOKEN, else this machine's latest
session (photon.job_submission's rules).
"""

import argparse
import asyncio
import os
import shlex
import sys

from photon.job_submission import JobStatus, JobSubmissionClient

EXAMPLES = os.path.dirname(os.path.abspath(__file__))


def follow(client, sid):
    async def tail():
        async for text in client.tail_job_logs(sid):
            print(text, end="", flush=True)
    asyncio.run(tail())
    status = client.get_job_status(sid)
    print(f"\njob {sid} ended: {status.value}", flush=True)
    return status


def main():
    argv = sys.argv[1:]
    bench_args = []
    if "--" in argv:
        cut = argv.index("--")
        argv, bench_args = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     usage="%(prog)s [options] [-- benchmark arguments]")
    parser.add_argument("--address", default="http://127.0.0.1:8265", help="the dashboard (http://127.0.0.1:8265)")
    parser.add_argument("--follow", action="store_true", help="follow the job's logs until it ends")
    parser.add_argument("--submission-id", help="the job's id (default: one the dashboard makes)")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="the head's Python, the one photon is installed for (/usr/bin/python3)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable of the job (repeatable)")
    args = parser.parse_args(argv)

    env_vars = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"--env {item!r}: expected NAME=VALUE")
        env_vars[name] = value
    runtime_env = {"working_dir": EXAMPLES, "excludes": ["__pycache__", "cpp"]}
    if env_vars:
        runtime_env["env_vars"] = env_vars

    client = JobSubmissionClient(args.address)
    entrypoint = shlex.join([args.python, "xgboost_benchmark.py", *bench_args])
    sid = client.submit_job(entrypoint=entrypoint, runtime_env=runtime_env, submission_id=args.submission_id)
    print(f"submitted job {sid}: {entrypoint}", flush=True)
    print("follow its logs with:", flush=True)
    print(f"    photon job logs --address {args.address} --follow {sid}", flush=True)
    print(f"    photon job status --address {args.address} {sid}", flush=True)
    if args.follow:
        sys.exit(0 if follow(client, sid) == JobStatus.SUCCEEDED else 1)


if __name__ == "__main__":
    main()
