"""Exceptions: remote errors as typed exceptions, retries of crashed and
raising tasks, cancellation, and the mapping of core errors to types."""

import os

import pytest

import photon
from photon import _core
from photon import exceptions as exc
from testutil import hold


class AppError(Exception):
    """An exception class of the user's own (importable by workers)."""

    def __init__(self, code):
        super().__init__(f"app error {code}")
        self.code = code


@photon.remote
def raise_value_error():
    raise ValueError("remote boom")


def test_remote_exception_is_task_error_and_users_class(photon_local):
    ref = raise_value_error.remote()
    with pytest.raises(ValueError, match="remote boom") as info:
        photon.get(ref)
    err = info.value
    assert isinstance(err, exc.TaskError) and isinstance(err, exc.RayTaskError)
    assert isinstance(err, exc.PhotonError)
    assert isinstance(err.cause, ValueError)
    # The remote traceback names the function that raised.
    assert "raise_value_error" in str(err) and "Traceback" in str(err)
    try:
        photon.get(ref)
    except ValueError as caught:  # plain `except ValueError` catches it
        assert caught.args == ("remote boom",)


def test_custom_exception_keeps_its_fields(photon_local):
    @photon.remote
    def fail(code):
        raise AppError(code)

    with pytest.raises(AppError) as info:
        photon.get(fail.remote(42))
    assert info.value.cause.code == 42


def test_unpicklable_exception_still_reports(photon_local):
    @photon.remote
    def fail():
        class Local(Exception):
            def __reduce__(self):
                raise TypeError("cannot pickle")
        raise Local("local failure")

    with pytest.raises(exc.TaskError, match="local failure"):
        photon.get(fail.remote())


def test_error_flows_through_dependent_tasks(photon_local):
    @photon.remote
    def plus_one(x):
        return x + 1

    with pytest.raises(ValueError, match="remote boom"):
        photon.get(plus_one.remote(raise_value_error.remote()))

    @photon.remote
    def pass_on(refs):
        # A borrowed failed ref, passed down from a worker.
        return photon.get(plus_one.remote(refs[0]))

    with pytest.raises(ValueError, match="remote boom"):
        photon.get(pass_on.remote([raise_value_error.remote()]))


def test_actor_method_error_keeps_actor_alive(photon_local):
    @photon.remote
    class Fragile:
        def fail(self):
            raise IndexError("actor boom")

        def ok(self):
            return "ok"

    f = Fragile.remote()
    with pytest.raises(IndexError, match="actor boom"):
        photon.get(f.fail.remote())
    assert photon.get(f.ok.remote()) == "ok"


def _marker_task():
    @photon.remote
    def crash_first_time(marker):
        if not os.path.exists(marker):
            open(marker, "w").close()
            os._exit(1)
        return "second attempt"
    return crash_first_time


def test_crashed_worker_is_retried(photon_local, tmp_path):
    task = _marker_task()
    assert photon.get(task.remote(str(tmp_path / "m")), timeout=120) == "second attempt"


def test_crashed_worker_without_retries(photon_local, tmp_path):
    task = _marker_task().options(max_retries=0)
    with pytest.raises(exc.WorkerCrashedError):
        photon.get(task.remote(str(tmp_path / "m")), timeout=120)


def test_retry_exceptions(photon_local, tmp_path):
    @photon.remote(max_retries=3, retry_exceptions=True)
    def flaky(path):
        with open(path, "a") as f:
            f.write("x")
        with open(path) as f:
            attempts = len(f.read())
        if attempts < 3:
            raise RuntimeError(f"attempt {attempts}")
        return attempts

    assert photon.get(flaky.remote(str(tmp_path / "a")), timeout=120) == 3

    # Without retry_exceptions an application error is final.
    once = flaky.options(retry_exceptions=False)
    with pytest.raises(RuntimeError, match="attempt 1"):
        photon.get(once.remote(str(tmp_path / "b")), timeout=120)
    assert (tmp_path / "b").read_text() == "x"


def test_retries_run_out(photon_local, tmp_path):
    @photon.remote(max_retries=2, retry_exceptions=True)
    def always(path):
        with open(path, "a") as f:
            f.write("x")
        raise RuntimeError("always")

    with pytest.raises(RuntimeError, match="always"):
        photon.get(always.remote(str(tmp_path / "c")), timeout=120)
    assert (tmp_path / "c").read_text() == "xxx"


def test_cancel_queued_task(photon_local):
    hog = hold({"custom": 2})

    @photon.remote(resources={"custom": 1})
    def queued():
        return 1

    ref = queued.remote()
    photon.cancel(ref)
    with pytest.raises(exc.TaskCancelledError):
        photon.get(ref, timeout=60)
    photon.kill(hog)


def test_cancel_running_task_with_force(photon_local, tmp_path):
    @photon.remote(max_retries=0)
    def hang(path):
        import time
        open(path, "w").close()
        while True:
            time.sleep(0.05)

    started = tmp_path / "started"
    ref = hang.remote(str(started))
    from testutil import wait_until
    wait_until(started.exists, timeout=60, what="the task to start")
    photon.cancel(ref, force=True)
    with pytest.raises((exc.TaskCancelledError, exc.WorkerCrashedError)):
        photon.get(ref, timeout=60)
    with pytest.raises(TypeError, match="ObjectRef"):
        photon.cancel("nope")


def test_cancel_queued_actor_calls(photon_local, tmp_path):
    @photon.remote
    class Log:
        def __init__(self, path):
            self.path = path

        def add(self, item, seconds=0):
            import time
            with open(self.path, "a") as f:
                f.write(f"{item}\n")
            time.sleep(seconds)
            return item

    log = tmp_path / "log"
    actor = Log.remote(str(log))
    # Cancelled before the actor is up (the call waits in this process) and
    # behind a long call (it waits in the actor's worker).
    early = actor.add.remote("early")
    photon.cancel(early)
    slow = actor.add.remote("slow", 2)
    from testutil import wait_until
    wait_until(lambda: log.exists() and "slow" in log.read_text(), timeout=60, what="the slow call to start")
    queued = actor.add.remote("queued")
    photon.cancel(queued)
    for ref in (early, queued):
        with pytest.raises(exc.TaskCancelledError):
            photon.get(ref, timeout=60)
    assert photon.get(slow, timeout=60) == "slow"
    assert photon.get(actor.add.remote("after")) == "after"
    assert log.read_text().split() == ["slow", "after"]  # the cancelled calls never ran


def test_cancel_is_recursive_by_default(photon_local, tmp_path):
    @photon.remote(resources={"never_here": 1})
    def child():
        return "never runs"

    @photon.remote(max_retries=0)
    def parent(path):
        ref = child.remote()  # waits for a resource no node has
        open(path, "w").close()
        try:
            return photon.get(ref)
        except exc.TaskCancelledError as e:
            with open(path, "w") as f:
                f.write(f"child cancelled: {e}")
            raise

    started = tmp_path / "started"
    ref = parent.remote(str(started))
    from testutil import wait_until
    wait_until(started.exists, timeout=60, what="the parent to submit its child")
    photon.cancel(ref)  # recursive=True: the parent's worker cancels the child
    with pytest.raises(exc.TaskCancelledError):
        photon.get(ref, timeout=60)
    wait_until(lambda: "child cancelled" in started.read_text(), timeout=60, what="the child to be cancelled")
    with pytest.raises(TypeError, match="recursive must be a bool"):
        photon.cancel(ref, recursive="yes")


def test_owner_died(photon_local):
    @photon.remote
    class Owner:
        def __init__(self):
            self.refs = [photon.put("owned by the actor")]

        def refs_(self):
            return self.refs

    owner = Owner.remote()
    (ref,) = photon.get(owner.refs_.remote())
    # (Not read before: a value read once is kept by the reader.)
    photon.kill(owner)
    from testutil import wait_until

    def lost():
        try:
            photon.get(ref, timeout=30)
            return False
        except exc.OwnerDiedError:
            return True

    wait_until(lost, timeout=60, what="OwnerDiedError once the owner is dead")


@pytest.mark.parametrize("kind, cls", [
    ("WorkerCrashedError", exc.WorkerCrashedError),
    ("NodeDiedError", exc.NodeDiedError),
    ("ObjectLostError", exc.ObjectLostError),
    ("OwnerDiedError", exc.OwnerDiedError),
    ("GetTimeoutError", exc.GetTimeoutError),
    ("TaskCancelledError", exc.TaskCancelledError),
    ("ActorDiedError", exc.ActorDiedError),
])
def test_core_error_kinds_become_typed_exceptions(kind, cls):
    with pytest.raises(cls, match="detail"):
        _core._raise_status_for_test("UNKNOWN", kind, "detail")


def test_exception_hierarchy():
    assert issubclass(exc.OwnerDiedError, exc.ObjectLostError)
    assert issubclass(exc.GetTimeoutError, TimeoutError)
    for cls in (exc.TaskError, exc.ActorDiedError, exc.WorkerCrashedError, exc.NodeDiedError,
                exc.ObjectLostError, exc.GetTimeoutError, exc.TaskCancelledError):
        assert issubclass(cls, exc.RayError)
    assert exc.RayActorError is exc.ActorDiedError


def test_cancel_of_a_running_actor_call_cancels_the_tasks_it_submitted(photon_local, tmp_path):
    @photon.remote(resources={"never_here": 1})
    def child():
        return "never runs"

    @photon.remote
    class Parent:
        def spawn(self, path):
            ref = child.remote()  # waits for a resource no node has
            open(path, "w").close()
            try:
                return photon.get(ref)
            except exc.TaskCancelledError as e:
                return f"child cancelled: {e}"

    started = tmp_path / "started"
    actor = Parent.remote()
    ref = actor.spawn.remote(str(started))
    from testutil import wait_until
    wait_until(started.exists, timeout=60, what="the actor call to submit its child")
    # A running call of a threaded actor is not interrupted; what it submitted is cancelled.
    photon.cancel(ref)
    assert photon.get(ref, timeout=60).startswith("child cancelled")
