"""Worker prints reach the driver's stdout as '(pid=N, node=xxxx) line'."""

import re

from testutil import driver_env, run_driver

SCRIPT = r'''
import os, sys
import photon
photon.init(log_to_driver=LOG_TO_DRIVER)

@photon.remote
def speak(i):
    print(f"task line {i}")
    print(f"task error line {i}", file=sys.stderr)
    return os.getpid()

@photon.remote
class Talker:
    def say(self):
        print("actor line")
        return os.getpid()

pids = photon.get([speak.remote(i) for i in range(3)])
actor_pid = photon.get(Talker.remote().say.remote())
node = photon.get_runtime_context().get_node_id()
# Output is forwarded asynchronously: flush it through before reporting.
photon.shutdown()
print("PIDS", " ".join(str(p) for p in pids), "ACTOR", actor_pid, "NODE", node, flush=True)
'''

LINE = re.compile(r"^\(pid=(\d+), node=([0-9a-f]+)\) (.*)$")


def _run(cluster, log_to_driver):
    done = run_driver(SCRIPT.replace("LOG_TO_DRIVER", str(log_to_driver)),
                      driver_env(**{k: v for k, v in cluster.env().items() if k.startswith("PHOTON_")}))
    assert done.returncode == 0, done.stderr
    summary = done.stdout.strip().splitlines()[-1].split()
    pids = [int(p) for p in summary[1:summary.index("ACTOR")]]
    actor_pid = int(summary[summary.index("ACTOR") + 1])
    node = summary[summary.index("NODE") + 1]
    return done, pids, actor_pid, node


def test_worker_prints_reach_driver_with_pid_and_node(photon_local):
    done, pids, actor_pid, node = _run(photon_local, True)
    forwarded = {}
    for line in done.stdout.splitlines():
        m = LINE.match(line)
        if m:
            forwarded.setdefault(m.group(3), []).append((int(m.group(1)), m.group(2)))
    for i in range(3):
        (pid, prefix), = forwarded[f"task line {i}"]
        assert pid == pids[i]
        assert node.startswith(prefix) and len(prefix) >= 4
    (pid, prefix), = forwarded["actor line"]
    assert pid == actor_pid and node.startswith(prefix)
    # stderr lines are forwarded too (to the driver's stderr or stdout).
    both = done.stdout + done.stderr
    for i in range(3):
        assert re.search(rf"\(pid={pids[i]}, node={prefix}\) task error line {i}", both)


def test_log_to_driver_false_forwards_nothing(photon_local):
    done, _, _, _ = _run(photon_local, False)
    assert "task line" not in done.stdout + done.stderr
    assert "actor line" not in done.stdout + done.stderr
