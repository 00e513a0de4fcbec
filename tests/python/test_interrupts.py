"""A driver blocked in get or wait can be interrupted with Ctrl-C, and
shutdown (or interpreter exit) ends gets still waiting in other threads."""

import signal
import subprocess
import time

from testutil import driver_env

# The start of a driver of the test's cluster with a task that never ends.
_FOREVER = """
import sys, threading, time, photon
photon.init()
@photon.remote(num_cpus=0)
def forever():
    time.sleep(3600)
"""

# A driver that blocks on it.
_BLOCKED_DRIVER = _FOREVER + """
ref = forever.remote()
print('BLOCKING', flush=True)
t = time.monotonic()
try:
    if sys.argv[1] == 'get':
        photon.get(ref)
    else:
        photon.wait([ref], num_returns=1)
except KeyboardInterrupt:
    print('INTERRUPTED after %.2f s' % (time.monotonic() - t), flush=True)
    photon.cancel(ref, force=True)
"""


def _interrupt(cluster, call):
    proc = subprocess.Popen(["/usr/bin/python3", "-c", _BLOCKED_DRIVER, call], env=cluster.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "BLOCKING", proc.stderr.read()[-2000:]
        time.sleep(0.5)  # inside get/wait now
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        return out, err, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()


def test_ctrl_c_interrupts_a_blocked_get(one_node):
    out, err, took = _interrupt(one_node, "get")
    assert "INTERRUPTED" in out, err[-2000:]
    assert took < 10, took  # the process exits too, not only the get


def test_ctrl_c_interrupts_a_blocked_wait(one_node):
    out, err, _ = _interrupt(one_node, "wait")
    assert "INTERRUPTED" in out, err[-2000:]


def test_shutdown_ends_gets_waiting_in_other_threads(one_node):
    script = _FOREVER + """
ref = forever.remote()
errors = []
def waiter():
    try:
        photon.get(ref)
    except BaseException as e:
        errors.append(e)
thread = threading.Thread(target=waiter)
thread.start()
future = ref.future()
time.sleep(0.5)
photon.shutdown()
thread.join(10)
print('THREAD', 'alive' if thread.is_alive() else type(errors[0]).__name__, errors[0] if errors else '')
try:
    future.result(10)
except Exception as e:
    print('FUTURE', type(e).__name__, e)
"""
    done = subprocess.run(["/usr/bin/python3", "-c", script], env=one_node.env(), capture_output=True, text=True,
                          timeout=60)
    assert "THREAD RuntimeError photon was shut down while get waited: 1 of 1 objects were not ready" in done.stdout, \
        done.stdout + done.stderr[-2000:]
    assert "FUTURE RuntimeError photon was shut down while get waited" in done.stdout, done.stdout + done.stderr[-2000:]


def test_exit_with_a_pending_future_does_not_hang(one_node):
    script = _FOREVER + """
pending = [forever.remote().future() for _ in range(3)]
print('EXITING', flush=True)
"""
    done = subprocess.run(["/usr/bin/python3", "-c", script], env=one_node.env(), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "EXITING" in done.stdout
