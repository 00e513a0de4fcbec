"""`ray`: the command lines the KubeRay operator writes into a RayCluster's
pods, run by Photon (so a RayCluster whose image is Photon's works):

    ray start --head --block --dashboard-host=0.0.0.0 --metrics-export-port=8080 --num-cpus=2 ...
    ray start --address=raycluster-head-svc:6379 --block --num-cpus=2 ...
    ray health-check --address raycluster-head-svc:6379
    ray stop | ray status

Each `ray start` flag becomes its `photon start` flag; flags that have no
meaning for Photon (the dashboard agent's ports, --no-monitor, usage stats,
worker port ranges, ...) are accepted and logged once, never a failure. The
token comes from PHOTON_CLUSTER_TOKEN, else RAY_AUTH_TOKEN. Checked against
KubeRay's ray-operator/controllers/ray/common/pod.go (v1alpha1, 0.4-0.5
line: `ulimit -n 65536; ray start [--head] --key=value ...`) and the flags
later releases add (--dashboard-agent-listen-port, --no-monitor).
"""

import os
import shlex
import sys

PHOTON = os.environ.get("PHOTON_CLI", "photon")

# ray start flag -> photon start flag (None: the same name).
_RENAMED = {
    "head": "head", "block": "block", "address": "address", "port": "port",
    "num-cpus": None, "num-gpus": None, "memory": None, "object-store-memory": None, "resources": None,
    "node-ip-address": None, "dashboard-host": None, "dashboard-port": None, "include-dashboard": None,
    "metrics-export-port": None, "object-manager-port": None, "object-spilling-directory": None,
    "node-manager-port": "raylet-port", "labels": "node-labels",
    "autoscaling-config": None,
}
_BOOLEAN = {"head", "block", "include-dashboard"}
# Accepted and ignored (logged once): what Photon has no use for.
_IGNORED = {
    "dashboard-agent-listen-port", "dashboard-agent-grpc-port", "dashboard-grpc-port", "no-monitor",
    "disable-usage-stats", "redis-password", "redis-shard-ports", "runtime-env-agent-port", "min-worker-port",
    "max-worker-port", "worker-port-list", "ray-client-server-port", "log-color", "verbose", "v", "vv", "vvv",
    "temp-dir", "storage", "plasma-directory", "system-config", "enable-object-reconstruction",
    "tracing-startup-hook", "ray-debugger-external", "disable-usage-stats", "log-style", "dashboard-agent-port",
    "gcs-server-port", "worker-cpus", "include-log-monitor", "autoscaling-config-path",
}


class UsageError(Exception):
    pass


def translate_start(args):
    """`ray start` arguments -> (`photon start` arguments, ignored flag names)."""
    out, ignored = [], []
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            raise UsageError(f"ray start: unexpected argument {arg!r}")
        name, eq, value = arg.lstrip("-").partition("=")
        if name in _IGNORED:
            ignored.append(name)
            if not eq and i + 1 < len(args) and not args[i + 1].startswith("-"):
                i += 1  # its value
            i += 1
            continue
        if name not in _RENAMED:
            raise UsageError(f"ray start: unknown flag --{name} (Photon accepts the flags KubeRay writes; "
                             f"see `photon start --help`)")
        target = _RENAMED[name] or name
        if name in _BOOLEAN and not eq:
            out.append(f"--{target}")
        else:
            if not eq:
                if i + 1 >= len(args):
                    raise UsageError(f"ray start: --{name} needs a value")
                i += 1
                value = args[i]
            out.append(f"--{target}={value}")
        i += 1
    return out, ignored


def _token_env():
    env = dict(os.environ)
    if not env.get("PHOTON_CLUSTER_TOKEN") and env.get("RAY_AUTH_TOKEN"):
        env["PHOTON_CLUSTER_TOKEN"] = env["RAY_AUTH_TOKEN"]
    return env


def health_check(args):
    """0 when the GCS at --address answers with this token, else 1 (as KubeRay's probe expects)."""
    address = None
    for i, arg in enumerate(args):
        if arg.startswith("--address="):
            address = arg.split("=", 1)[1]
        elif arg == "--address" and i + 1 < len(args):
            address = args[i + 1]
    if not address:
        raise UsageError("ray health-check: --address HOST:PORT is required")
    from photon import _core
    token = _token_env().get("PHOTON_CLUSTER_TOKEN", "")
    try:
        _core.gcs_nodes(address, token)
    except Exception as e:  # noqa: BLE001 - any failure is "unhealthy", with its reason
        print(f"ray health-check: the GCS at {address} is not healthy: {e}", file=sys.stderr)
        return 1
    return 0


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "start":
            photon_args, ignored = translate_start(rest)
            if ignored:
                print(f"ray start: ignoring flags Photon has no use for: {', '.join(sorted(set(ignored)))}",
                      file=sys.stderr)
            cmd = [PHOTON, "start"] + photon_args
            print("ray start -> " + shlex.join(cmd), file=sys.stderr)
            os.execvpe(cmd[0], cmd, _token_env())
        if command == "health-check":
            return health_check(rest)
        if command in ("stop", "status"):
            os.execvpe(PHOTON, [PHOTON, command] + rest, _token_env())
        raise UsageError(f"ray: command {command!r} is not provided by Photon (start, stop, status, health-check)")
    except UsageError as e:
        print(e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
