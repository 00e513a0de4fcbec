"""Actors: state, ordering, handles, names and namespaces, kill, restarts,
threaded concurrency, per-method num_returns."""

import os
import signal
import threading

import pytest

import photon
from photon.exceptions import ActorDiedError
from testutil import wait_until


@photon.remote
class Counter:
    def __init__(self, start=0):
        self.value = start

    def incr(self, by=1):
        self.value += by
        return self.value

    def get(self):
        return self.value

    def pid(self):
        return os.getpid()

    @photon.method(num_returns=2)
    def pair(self):
        return self.value, -self.value

    def die(self):
        os._exit(1)


def test_state_and_call_order(photon_local):
    c = Counter.remote(10)
    refs = [c.incr.remote() for _ in range(20)]
    assert photon.get(refs) == list(range(11, 31))
    assert photon.get(c.incr.remote(by=5)) == 35


def test_actor_runs_in_its_own_process(photon_local):
    a, b = Counter.remote(), Counter.remote()
    pa, pb = photon.get([a.pid.remote(), b.pid.remote()])
    assert pa != pb and os.getpid() not in (pa, pb)


def test_handles_travel_to_tasks(photon_local):
    c = Counter.remote()

    @photon.remote
    def bump(counter, n):
        return photon.get([counter.incr.remote() for _ in range(n)])[-1]

    photon.get([bump.remote(c, 5) for _ in range(3)])
    assert photon.get(c.get.remote()) == 15
    assert c.actor_id in repr(c)


def test_method_num_returns(photon_local):
    c = Counter.remote(3)
    a, b = c.pair.remote()
    assert photon.get([a, b]) == [3, -3]
    refs = Counter.remote(1).pair.options(num_returns=2).remote()
    assert photon.get(refs) == [1, -1]


def test_method_without_remote_is_a_type_error(photon_local):
    c = Counter.remote()
    with pytest.raises(TypeError, match=r"\.incr\.remote"):
        c.incr()
    with pytest.raises(TypeError, match=r"Counter\.remote"):
        Counter()
    with pytest.raises(AttributeError, match="no method 'nope'"):
        c.nope.remote()


def test_named_actor_and_get_actor(photon_local):
    c = Counter.options(name="test-named-counter").remote(7)
    same = photon.get_actor("test-named-counter")
    assert same == c
    assert photon.get(same.incr.remote()) == 8
    with pytest.raises(ValueError):
        photon.get_actor("no-such-actor")
    with pytest.raises(ValueError):
        Counter.options(name="test-named-counter").remote()
    again = Counter.options(name="test-named-counter", get_if_exists=True).remote(100)
    assert photon.get(again.get.remote()) == 8
    photon.kill(c)


def test_named_actors_are_scoped_by_namespace(photon_local):
    a = Counter.options(name="shared-name", namespace="ns-a").remote(1)
    b = Counter.options(name="shared-name", namespace="ns-b").remote(2)
    assert photon.get(photon.get_actor("shared-name", namespace="ns-a").get.remote()) == 1
    assert photon.get(photon.get_actor("shared-name", namespace="ns-b").get.remote()) == 2
    with pytest.raises(ValueError):
        photon.get_actor("shared-name")  # not in this job's namespace
    photon.kill(a)
    photon.kill(b)


def test_kill_then_calls_fail(photon_local):
    c = Counter.remote()
    assert photon.get(c.incr.remote()) == 1
    photon.kill(c)
    # kill() returns once asked: calls that reach the actor before it ends
    # may still run, later ones fail.
    wait_until(lambda: _pid_or_none(c) is None, timeout=60, what="calls to fail after kill")
    with pytest.raises(ActorDiedError):
        photon.get(c.incr.remote(), timeout=60)
    with pytest.raises(TypeError, match="actor handle"):
        photon.kill("not an actor")


def test_exit_actor(photon_local):
    @photon.remote
    class Quitter:
        def quit(self):
            photon.exit_actor()

        def ping(self):
            return "pong"

    q = Quitter.remote()
    assert photon.get(q.ping.remote()) == "pong"
    q.quit.remote()
    with pytest.raises(ActorDiedError):
        photon.get(q.ping.remote(), timeout=60)


def test_constructor_error_kills_the_actor(photon_local):
    @photon.remote
    class Broken:
        def __init__(self):
            raise ValueError("bad init")

        def ping(self):
            return 1

    b = Broken.remote()
    with pytest.raises(ActorDiedError, match="bad init"):
        photon.get(b.ping.remote(), timeout=60)


def test_restart_after_worker_exit(photon_local):
    c = Counter.options(max_restarts=1).remote(5)
    first = photon.get(c.pid.remote())
    assert photon.get(c.incr.remote()) == 6
    c.die.remote()
    # The restarted actor runs the constructor again in a new process.
    second = wait_until(lambda: _pid_or_none(c), timeout=60, what="the actor to restart")
    assert second != first
    assert photon.get(c.get.remote()) == 5
    # Restarts spent: the next death is final.
    c.die.remote()
    with pytest.raises(ActorDiedError):
        photon.get(c.pid.remote(), timeout=60)


def _pid_or_none(actor):
    try:
        return photon.get(actor.pid.remote(), timeout=60)
    except ActorDiedError:  # restarting: calls sent meanwhile fail
        return None


def test_restart_after_kill_from_outside(photon_local):
    c = Counter.options(max_restarts=2, max_task_retries=-1).remote()
    pid = photon.get(c.pid.remote())
    os.kill(pid, signal.SIGKILL)
    # max_task_retries: the call is retried on the restarted actor.
    new_pid = photon.get(c.pid.remote(), timeout=60)
    assert new_pid != pid
    photon.kill(c, no_restart=False)
    assert wait_until(lambda: _pid_or_none(c) not in (None, new_pid), timeout=60, what="restart after kill")
    photon.kill(c)
    wait_until(lambda: _pid_or_none(c) is None, timeout=60, what="calls to fail after the final kill")


def test_no_restarts_by_default(photon_local):
    c = Counter.remote()
    c.die.remote()
    with pytest.raises(ActorDiedError):
        photon.get(c.get.remote(), timeout=60)


def test_threaded_actor_runs_calls_concurrently(photon_local):
    @photon.remote(max_concurrency=3)
    class Meeting:
        def __init__(self):
            self.barrier = threading.Barrier(3, timeout=60)

        def arrive(self):
            # Returns only once 3 calls are in the actor at the same time.
            return self.barrier.wait()

    m = Meeting.remote()
    assert sorted(photon.get([m.arrive.remote() for _ in range(3)], timeout=120)) == [0, 1, 2]


def test_default_actor_runs_one_call_at_a_time(photon_local):
    @photon.remote
    class Serial:
        def __init__(self):
            self.inside = 0
            self.most = 0

        def work(self):
            self.inside += 1
            self.most = max(self.most, self.inside)
            sum(range(20000))
            self.inside -= 1

        def most_inside(self):
            return self.most

    s = Serial.remote()
    photon.get([s.work.remote() for _ in range(20)])
    assert photon.get(s.most_inside.remote()) == 1


def test_detached_actor_outlives_its_job(photon_local):
    from testutil import driver_env, run_driver
    script = (
        "import photon\n"
        "photon.init()\n"
        "@photon.remote\n"
        "class Keeper:\n"
        "    def hello(self):\n"
        "        return 'still here'\n"
        "Keeper.options(name='keeper', namespace='detached-test', lifetime='detached').remote()\n"
        "k = photon.get_actor('keeper', namespace='detached-test')\n"
        "print(photon.get(k.hello.remote()))\n"
    )
    done = run_driver(script, photon_local.env())
    assert done.returncode == 0, done.stderr
    keeper = photon.get_actor("keeper", namespace="detached-test")
    assert photon.get(keeper.hello.remote()) == "still here"
    photon.kill(keeper)


def test_non_detached_actor_ends_with_its_job(photon_local):
    from testutil import run_driver
    script = (
        "import photon\n"
        "photon.init()\n"
        "@photon.remote\n"
        "class Short:\n"
        "    def hello(self):\n"
        "        return 'hi'\n"
        "s = Short.options(name='short', namespace='job-scoped').remote()\n"
        "print(photon.get(s.hello.remote()))\n"
    )
    done = run_driver(script, photon_local.env())
    assert done.returncode == 0, done.stderr

    def gone():
        try:
            photon.get_actor("short", namespace="job-scoped")
            return False
        except ValueError:
            return True

    wait_until(gone, timeout=30, what="the job's actor to end with its driver")
