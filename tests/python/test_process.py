"""photon._core's process plumbing (core/common/process.h through the
binding): what the fixtures and photon.init start their daemons with."""

import os
import signal
import time

import pytest

from cluster import bin_dir
from photon import _core


def test_find_binary_uses_the_core_search_order():
    assert _core.find_binary("photon-gcs") == os.path.join(os.path.abspath(bin_dir()), "photon-gcs")
    with pytest.raises(ValueError, match="PHOTON_BIN_DIR") as e:
        _core.find_binary("photon-no-such-program")
    assert "/usr/local/bin/photon-no-such-program" in str(e.value)


def test_free_port_is_a_port():
    assert 0 < _core.free_port() < 65536


def test_spawn_writes_its_log_with_the_environment_given(tmp_path):
    log = tmp_path / "child.log"
    log.write_text("before\n")
    child = _core.spawn(["sh", "-c", "echo $ONLY_THIS $HOME; exit 3"], log=str(log), env={"ONLY_THIS": "here"})
    assert child.wait(timeout=10) == 3
    assert child.returncode == 3 and child.poll() == 3
    assert log.read_text() == "before\nhere\n"


def test_signal_wait_and_terminate_all(tmp_path):
    child = _core.spawn(["sleep", "1000"], log=str(tmp_path / "sleep.log"))
    assert child.poll() is None
    assert child.wait(timeout=0.1) is None
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=10) == -signal.SIGTERM
    child.kill()  # reaped: a no-op, never a signal to a recycled pid

    stubborn = _core.spawn(["sh", "-c", "trap '' TERM; echo ready; exec sleep 1000"],
                           log=str(tmp_path / "stubborn.log"))
    deadline = time.monotonic() + 10
    while (tmp_path / "stubborn.log").read_text() != "ready\n" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _core.terminate_all([stubborn.pid], grace=0.2) == 1
    assert stubborn.poll() is not None
