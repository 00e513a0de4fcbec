"""A non-detached actor dies with its owner (a worker or a driver that
crashes), and calls to it say so; a detached one lives on."""

import os
import subprocess

import pytest

import photon
from photon._private import worker
from testutil import wait_until


@photon.remote
class Child:
    def pid(self):
        return os.getpid()


@photon.remote
class Parent:
    def __init__(self, detached):
        options = {"lifetime": "detached", "name": f"orphan-{os.getpid()}"} if detached else {}
        self.child = Child.options(**options).remote()

    def child_handle(self):
        return [self.child]

    def crash(self):
        os._exit(1)


def _call_fails(child):
    try:
        photon.get(child.pid.remote(), timeout=10)
        return None
    except photon.exceptions.ActorDiedError as e:
        return e


def test_an_actor_dies_when_the_actor_that_owns_it_crashes(photon_local):
    parent = Parent.remote(False)
    [child] = photon.get(parent.child_handle.remote())
    photon.get(child.pid.remote())
    parent.crash.remote()
    error = wait_until(lambda: _call_fails(child), timeout=30, what="the child to die with its owner")
    assert "owner" in str(error) and "died" in str(error), str(error)


def test_a_detached_actor_outlives_its_owner(photon_local):
    parent = Parent.remote(True)
    [child] = photon.get(parent.child_handle.remote())
    pid = photon.get(child.pid.remote())
    parent.crash.remote()
    with pytest.raises(photon.exceptions.ActorDiedError):
        photon.get(parent.child_handle.remote(), timeout=30)
    assert photon.get(child.pid.remote(), timeout=30) == pid
    photon.kill(child)


def test_an_actor_dies_when_its_driver_is_killed(photon_local):
    script = (
        "import os, sys, time, photon\n"
        "photon.init()\n"
        "@photon.remote\n"
        "class Held:\n"
        "    def pid(self):\n"
        "        return os.getpid()\n"
        "held = Held.options(name='held-by-a-driver', namespace='fate').remote()\n"
        "print(photon.get(held.pid.remote()), flush=True)\n"
        "time.sleep(3600)\n"
    )
    driver = subprocess.Popen(["/usr/bin/python3", "-c", script], env=photon_local.env(),
                              stdout=subprocess.PIPE, text=True)
    try:
        pid = int(driver.stdout.readline())
        held = photon.get_actor("held-by-a-driver", namespace="fate")
        assert photon.get(held.pid.remote()) == pid
        driver.kill()
        driver.wait(10)
        error = wait_until(lambda: _call_fails(held), timeout=30, what="the actor to die with its driver")
        assert "owner" in str(error), str(error)
        # Its job ends too, saying why (it did not disconnect).
        job = wait_until(lambda: next((j for j in worker.jobs() if j["DriverPid"] == driver.pid and j["IsDead"]), None),
                         timeout=30, what="the killed driver's job to be marked finished")
        assert job["EndTime"] >= job["StartTime"] > 0
        assert f"driver pid {driver.pid}" in job["EndReason"] and "without disconnecting" in job["EndReason"], job
        [mine] = [j for j in worker.jobs() if j["JobID"] == photon.get_runtime_context().get_job_id()]
        assert not mine["IsDead"] and mine["EndReason"] == ""
    finally:
        if driver.poll() is None:
            driver.kill()
