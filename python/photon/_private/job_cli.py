"""`photon job ...`: Ray's `ray job` commands over a dashboard's job API
(the C++ `photon` CLI runs `/usr/bin/python3 -m photon._private.job_cli ARGS`).

    photon job submit --working-dir . -- python3 script.py   # follows the logs; exit 0 if it succeeded
    photon job submit --no-wait -- sleep 60
    photon job status|logs [--follow]|stop [--no-wait]|delete ID
    photon job list

The dashboard is --address, else RAY_ADDRESS / PHOTON_ADDRESS when it holds
an http(s) URL, else http://127.0.0.1:8265; the token is --token, else
PHOTON_CLUSTER_TOKEN, else this machine's latest session's token file.
A problem is reported in one line on stderr: exit 2 for bad arguments, 1 for
anything else (an unreachable dashboard, an unknown job, a refused request).
"""

import argparse
import asyncio
import json
import os
import shlex
import sys
import time

import yaml

from photon.job_submission import JobStatus, JobSubmissionClient
from photon.job_submission.client import resolve_token

_POLL_S = 0.5
_RECONNECT_FOR_S = 60  # how long a follow waits for a dashboard that went away
_RULE = "-" * 60


class UsageError(Exception):
    """Bad arguments: reported with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _parser():
    common = _Parser(add_help=False)
    common.add_argument("--address", help="the dashboard's URL (default: RAY_ADDRESS or PHOTON_ADDRESS when "
                                          "an http URL, else http://127.0.0.1:8265)")
    common.add_argument("--token", help="the cluster token (default: PHOTON_CLUSTER_TOKEN, else the local "
                                        "session's token file)")
    p = _Parser(prog="photon job", description="Submit and manage jobs on a Photon cluster.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    s = sub.add_parser("submit", parents=[common], help="run a shell command as a job",
                       usage="photon job submit [options] -- COMMAND [ARGS...]")
    s.add_argument("--submission-id", help="the job's id (default: a generated raysubmit_...)")
    s.add_argument("--job-id", help=argparse.SUPPRESS)  # Ray's deprecated name of --submission-id
    s.add_argument("--working-dir", help="a local folder (or .zip) to upload and run the command in; "
                                         "overrides the runtime env's working_dir")
    s.add_argument("--runtime-env", metavar="FILE.yaml", help="the runtime env, from a YAML file")
    s.add_argument("--runtime-env-json", metavar="JSON", help="the runtime env, as JSON")
    s.add_argument("--metadata-json", metavar="JSON", help="metadata to store with the job: {str: str}")
    s.add_argument("--entrypoint-num-cpus", type=float, metavar="N", help="CPUs reserved for the command")
    s.add_argument("--entrypoint-num-gpus", type=float, metavar="N", help="GPUs reserved for the command")
    s.add_argument("--entrypoint-memory", type=int, metavar="BYTES", help="memory reserved for the command")
    s.add_argument("--entrypoint-resources", metavar="JSON", help="custom resources reserved: {name: n}")
    s.add_argument("--no-wait", action="store_true", help="return once submitted instead of following the logs")
    s.add_argument("entrypoint", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    for name, what in (("status", "print a job's status"), ("delete", "forget an ended job")):
        sub.add_parser(name, parents=[common], help=what).add_argument("id", help="submission id or job id")
    lg = sub.add_parser("logs", parents=[common], help="print a job's logs")
    lg.add_argument("id", help="submission id or job id")
    lg.add_argument("-f", "--follow", action="store_true", help="keep printing until the job ends")
    st = sub.add_parser("stop", parents=[common], help="stop a job")
    st.add_argument("id", help="submission id or job id")
    st.add_argument("--no-wait", action="store_true", help="return without waiting for the job to end")
    sub.add_parser("list", parents=[common], help="list every job")
    return p


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if a in _COMMANDS), "")
    prog = f"photon job {command}".rstrip()
    after_dashes = []
    if command == "submit" and "--" in argv:  # the command to run, verbatim
        i = argv.index("--")
        argv, after_dashes = argv[:i], argv[i + 1:]
    try:
        args = _parser().parse_args(argv)
        prog = f"photon job {args.command}"
        if args.command == "submit":
            args.entrypoint = list(args.entrypoint) + after_dashes
        return _COMMANDS[args.command](args)
    except UsageError as e:
        _fail(f"{prog}: error: {e}")
        return 2
    except (ConnectionError, RuntimeError, TimeoutError, ValueError, TypeError, OSError) as e:
        _fail(f"{prog}: {e}{_token_hint(e, argv)}")
        return 1
    except KeyboardInterrupt:
        _fail(f"{prog}: interrupted")
        return 130


# --- commands

def _submit(args):
    if not args.entrypoint:
        raise UsageError("no command to run: give it after --, as in `photon job submit -- python3 script.py`")
    if args.runtime_env and args.runtime_env_json:
        raise UsageError("give --runtime-env or --runtime-env-json, not both")
    runtime_env = {}
    if args.runtime_env:
        runtime_env = _yaml_file(args.runtime_env)
    elif args.runtime_env_json:
        runtime_env = _json_arg(args.runtime_env_json, "--runtime-env-json")
    if args.working_dir:
        runtime_env["working_dir"] = args.working_dir
    metadata = _json_arg(args.metadata_json, "--metadata-json") if args.metadata_json else None
    resources = _json_arg(args.entrypoint_resources, "--entrypoint-resources") if args.entrypoint_resources else None
    if args.submission_id and args.job_id and args.submission_id != args.job_id:
        raise UsageError("--submission-id and --job-id differ; give only --submission-id")
    client = _client(args)
    sid = client.submit_job(entrypoint=shlex.join(args.entrypoint), runtime_env=runtime_env or None,
                            metadata=metadata, submission_id=args.submission_id or args.job_id,
                            entrypoint_num_cpus=args.entrypoint_num_cpus,
                            entrypoint_num_gpus=args.entrypoint_num_gpus,
                            entrypoint_memory=args.entrypoint_memory, entrypoint_resources=resources)
    print(_RULE)
    print(f"Job '{sid}' submitted successfully")
    print(_RULE)
    if args.no_wait:
        print(f"Follow its logs:   photon job logs {sid} --follow")
        print(f"Query its status:  photon job status {sid}")
        print(f"Stop it:           photon job stop {sid}")
        return 0
    print("Tailing logs until the job exits (disable with --no-wait):", flush=True)
    try:
        _follow(client, sid)
        status = _wait_until_ended(client, sid)
    except KeyboardInterrupt:
        _fail(f"photon job submit: interrupted; job '{sid}' keeps running (`photon job stop {sid}` ends it)")
        return 130
    info = client.get_job_info(sid)
    print(_RULE)
    if status == JobStatus.SUCCEEDED:
        print(f"Job '{sid}' succeeded")
    elif status == JobStatus.STOPPED:
        print(f"Job '{sid}' was stopped")
    else:
        print(f"Job '{sid}' failed" + (f": {info.message}" if info.message else ""))
    print(_RULE)
    return 0 if status == JobStatus.SUCCEEDED else 1


def _status(args):
    info = _client(args).get_job_info(args.id)
    print(f"Status for job '{args.id}': {info.status}")
    if info.message:
        print(f"Status message: {info.message}")
    return 0


def _logs(args):
    client = _client(args)
    if args.follow:
        _follow(client, args.id)
    else:
        sys.stdout.write(client.get_job_logs(args.id))
        sys.stdout.flush()
    return 0


def _stop(args):
    client = _client(args)
    print(f"Attempting to stop job '{args.id}'")
    if not client.stop_job(args.id):
        print(f"Job '{args.id}' had already ended: {client.get_job_status(args.id)}")
        return 0
    if args.no_wait:
        return 0
    print(f"Waiting for job '{args.id}' to exit (disable with --no-wait):", flush=True)
    status = _wait_until_ended(client, args.id)
    print(f"Job '{args.id}' was stopped" if status == JobStatus.STOPPED else f"Job '{args.id}' ended: {status}")
    return 0


def _delete(args):
    if not _client(args).delete_job(args.id):
        raise RuntimeError(f"job '{args.id}' was not deleted")
    print(f"Job '{args.id}' deleted successfully")
    return 0


def _list(args):
    jobs = sorted(_client(args).list_jobs(), key=lambda j: j.start_time or 0)
    rows = [("SUBMISSION_ID", "JOB_ID", "TYPE", "STATUS", "START_TIME", "ENTRYPOINT")]
    for j in jobs:
        start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(j.start_time / 1000)) if j.start_time else "-"
        rows.append((j.submission_id or "-", j.job_id or "-", str(j.type), str(j.status), start,
                     _shorten(j.entrypoint or "", 60)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    return 0


_COMMANDS = {"submit": _submit, "status": _status, "logs": _logs, "stop": _stop, "delete": _delete, "list": _list}


# --- helpers

def _client(args):
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else None
    return JobSubmissionClient(args.address, headers=headers)


def _follow(client, sid):
    """Prints the job's output as it comes until the job has ended. When the
    stream breaks off early (the dashboard restarted) it reconnects and skips
    what was printed already: the stream always starts at the log's start."""
    printed = 0
    gone_since = None
    while True:
        try:
            printed = asyncio.run(_tail(client, sid, printed))
            gone_since = None
            if client.get_job_status(sid).is_terminal():
                return
        except ConnectionError:
            gone_since = gone_since or time.monotonic()
            if time.monotonic() - gone_since > _RECONNECT_FOR_S:
                raise
        time.sleep(_POLL_S)


async def _tail(client, sid, skip):
    seen = 0
    async for text in client.tail_job_logs(sid):
        new = text[max(0, skip - seen):]
        seen += len(text)
        if new:
            sys.stdout.write(new)
            sys.stdout.flush()
    return max(seen, skip)


def _wait_until_ended(client, sid):
    while True:
        status = client.get_job_status(sid)
        if status.is_terminal():
            return status
        time.sleep(_POLL_S)


def _json_arg(text, flag):
    try:
        value = json.loads(text)
    except ValueError as e:
        raise UsageError(f"{flag} is not valid JSON ({e}): {_shorten(text, 80)}") from None
    if not isinstance(value, dict):
        raise UsageError(f"{flag} must be a JSON object, got {type(value).__name__}: {_shorten(text, 80)}")
    return value


def _yaml_file(path):
    try:
        with open(path) as f:
            value = yaml.safe_load(f)
    except OSError as e:
        raise UsageError(f"--runtime-env {path}: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise UsageError(f"--runtime-env {path} is not valid YAML: {' '.join(str(e).split())}") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(f"--runtime-env {path} must hold a mapping, not {type(value).__name__}")
    return value


def _token_hint(error, argv):
    if "status code 401" in str(error) and "--token" not in argv and resolve_token() is None:
        return " (no cluster token: pass --token or set PHOTON_CLUSTER_TOKEN)"
    return ""


def _shorten(text, n):
    return text if len(text) <= n else text[:n - 3] + "..."


def _fail(line):
    print(" ".join(str(line).split()), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
