"""Edges of Ray's API that scripts rely on: wait([]), exception fields,
retry_exceptions lists, actor class attributes, method options, handles
that never hide a method, __ray_ready__, exit_actor, concurrency groups."""

import asyncio
import threading

import pytest

import photon
from photon.exceptions import ActorDiedError, TaskError


class AppError(Exception):
    """A user's exception with a field of its own (importable by workers)."""

    def __init__(self, msg, code=0):
        super().__init__(msg)
        self.code = code


@photon.remote
def raise_app_error():
    raise AppError("x", code=42)


@photon.remote
def plus_one(x):
    return x + 1


def test_wait_on_an_empty_list(photon_local):
    assert photon.wait([]) == ([], [])
    assert photon.wait([], num_returns=1, timeout=0) == ([], [])


def test_exception_fields_survive(photon_local):
    with pytest.raises(AppError) as info:
        photon.get(raise_app_error.remote())
    err = info.value
    assert err.code == 42
    assert isinstance(err, TaskError) and isinstance(err.cause, AppError)
    assert err.args == ("x",)
    with pytest.raises(AttributeError):
        err.no_such_field


def _counting_failure(kind):
    @photon.remote(max_retries=2, retry_exceptions=[KeyError])
    def fail(path):
        with open(path, "a") as f:
            f.write("x")
        raise kind("boom")
    return fail


def test_retry_exceptions_list_retries_only_the_listed(photon_local, tmp_path):
    listed = tmp_path / "listed"
    with pytest.raises(KeyError):
        photon.get(_counting_failure(KeyError).remote(str(listed)), timeout=120)
    assert listed.read_text() == "xxx"  # the first run and max_retries=2 more

    other = tmp_path / "other"
    with pytest.raises(ValueError, match="boom"):
        photon.get(_counting_failure(ValueError).remote(str(other)), timeout=120)
    assert other.read_text() == "x"

    # A subclass of a listed class is retried.
    base = tmp_path / "base"
    task = _counting_failure(KeyError).options(retry_exceptions=(LookupError,))
    with pytest.raises(KeyError):
        photon.get(task.remote(str(base)), timeout=120)
    assert base.read_text() == "xxx"


def test_an_error_not_retried_reads_as_the_error(photon_local, tmp_path):
    task = _counting_failure(ValueError)
    # Every return raises it, and so does a task that takes it as an argument.
    pair = task.options(num_returns=2).remote(str(tmp_path / "pair"))
    for ref in pair:
        with pytest.raises(ValueError, match="boom"):
            photon.get(ref, timeout=120)
    assert (tmp_path / "pair").read_text() == "x"
    with pytest.raises(ValueError, match="boom"):
        photon.get(plus_one.remote(task.remote(str(tmp_path / "arg"))), timeout=120)
    ready, _ = photon.wait([task.remote(str(tmp_path / "wait"))], timeout=120)
    assert len(ready) == 1


def test_bad_retry_exceptions_values():
    def f():
        return 1

    with pytest.raises(ValueError, match="retry_exceptions.*1 is not an exception class"):
        photon.remote(retry_exceptions=[1])(f)
    with pytest.raises(ValueError, match="retry_exceptions"):
        photon.remote(retry_exceptions="yes")(f)
    with pytest.raises(ValueError, match="retry_exceptions"):
        photon.remote(f).options(retry_exceptions=[ValueError, "KeyError"])


def test_actor_class_attributes_and_static_methods():
    @photon.remote
    class Limited:
        LIMIT = 3

        @staticmethod
        def helper():
            return 1

        @classmethod
        def kind(cls):
            return cls.__name__

    assert Limited.LIMIT == 3
    assert Limited.helper() == 1
    assert Limited.kind() == "Limited"
    with pytest.raises(AttributeError, match="nope"):
        Limited.nope


def test_method_options_name_and_num_returns(photon_local):
    @photon.remote
    class Pairs:
        def one(self):
            return 1

        def pair(self):
            return 1, 2

    p = Pairs.remote()
    assert photon.get(p.one.options(name="a-named-call").remote()) == 1
    assert photon.get(p.pair.options(num_returns=2, name="two").remote()) == [1, 2]
    with pytest.raises(ValueError, match="name"):
        p.one.options(name=3)
    with pytest.raises(ValueError, match="bogus"):
        p.one.options(bogus=1)


def test_handle_never_hides_a_method(photon_local):
    @photon.remote
    class Shadow:
        def actor_id(self):
            return "my actor_id"

        def options(self):
            return "my options"

        def remote(self):
            return "my remote"

        def _private(self):
            return "my private"

    s = Shadow.remote()
    assert photon.get(s.actor_id.remote()) == "my actor_id"
    assert photon.get(s.options.remote()) == "my options"
    assert photon.get(s.remote.remote()) == "my remote"
    assert photon.get(s._private.remote()) == "my private"
    assert s._actor_id.hex() in repr(s)


def test_ray_ready(photon_local):
    @photon.remote
    class Built:
        def __init__(self):
            self.built = True

    assert photon.get(Built.remote().__ray_ready__.remote(), timeout=60) in (True, None)


def test_exit_actor_ends_the_actor_for_good(photon_local):
    @photon.remote(max_restarts=2)
    class Quitter:
        def quit(self):
            photon.actor.exit_actor()

        def ping(self):
            return "pong"

    q = Quitter.remote()
    assert photon.get(q.ping.remote()) == "pong"
    with pytest.raises(ActorDiedError):
        photon.get(q.quit.remote(), timeout=60)
    # Not restarted, though it may be: later calls say it exited on purpose.
    with pytest.raises(ActorDiedError, match="exited intentionally"):
        photon.get(q.ping.remote(), timeout=60)


def test_exit_actor_from_an_async_method(photon_local):
    @photon.remote
    class AsyncQuitter:
        async def quit(self):
            photon.actor.exit_actor()

        async def ping(self):
            return "pong"

    q = AsyncQuitter.remote()
    assert photon.get(q.ping.remote()) == "pong"
    with pytest.raises(ActorDiedError):
        photon.get(q.quit.remote(), timeout=60)
    with pytest.raises(ActorDiedError, match="exited intentionally"):
        photon.get(q.ping.remote(), timeout=60)


def test_exit_actor_outside_an_actor(photon_local):
    with pytest.raises(TypeError, match="inside an actor"):
        photon.actor.exit_actor()

    @photon.remote
    def in_a_task():
        photon.actor.exit_actor()

    with pytest.raises(TypeError, match="inside an actor"):
        photon.get(in_a_task.remote())


def test_method_retry_options(photon_local):
    @photon.remote
    class Flaky:
        def __init__(self):
            self.calls = 0

        @photon.method(max_task_retries=2, retry_exceptions=[KeyError])
        def until_third(self):
            self.calls += 1
            if self.calls < 3:
                raise KeyError("again")
            return self.calls

        @photon.method(max_task_retries=2, retry_exceptions=[KeyError])
        def wrong_kind(self):
            self.calls += 1
            raise ValueError("not retried")

        def always(self):
            self.calls += 1
            raise RuntimeError("always")

        def count(self):
            return self.calls

    f = Flaky.remote()
    assert photon.get(f.until_third.remote()) == 3
    with pytest.raises(ValueError, match="not retried"):
        photon.get(f.wrong_kind.remote())
    assert photon.get(f.count.remote()) == 4
    with pytest.raises(RuntimeError, match="always"):
        photon.get(f.always.options(max_task_retries=1, retry_exceptions=True).remote())
    assert photon.get(f.count.remote()) == 6
    with pytest.raises(RuntimeError, match="always"):
        photon.get(f.always.remote())  # no retry options: run once
    assert photon.get(f.count.remote()) == 7


def test_concurrency_groups_limit_each_group(photon_local):
    @photon.remote(concurrency_groups={"io": 2})
    class Grouped:
        def __init__(self):
            self.lock = threading.Lock()
            self.inside = self.peak = 0
            self.pairs = threading.Barrier(2)
            self.opened = threading.Event()

        @photon.method(concurrency_group="io")
        def meet(self):
            # Two io calls meet here; a third would wait for a place.
            with self.lock:
                self.inside += 1
                self.peak = max(self.peak, self.inside)
            self.pairs.wait(timeout=60)
            with self.lock:
                self.inside -= 1
            return self.peak

        @photon.method(concurrency_group="io")
        def wait_open(self):
            return self.opened.wait(timeout=60)

        def open(self):  # the default group
            self.opened.set()
            return True

    g = Grouped.remote()
    assert max(photon.get([g.meet.remote() for _ in range(4)], timeout=120)) == 2
    # With both io places taken, a call of the default group still runs.
    waiting = [g.wait_open.remote() for _ in range(2)]
    assert photon.get(g.open.remote(), timeout=60) is True
    assert photon.get(waiting, timeout=60) == [True, True]
    # A call may name its group.
    assert photon.get(g.open.options(concurrency_group="io").remote(), timeout=60) is True


def test_concurrency_groups_of_an_async_actor(photon_local):
    @photon.remote(concurrency_groups={"io": 1})
    class AsyncGrouped:
        def __init__(self):
            self.opened = None

        @photon.method(concurrency_group="io")
        async def wait_open(self):
            self.opened = self.opened or asyncio.Event()
            await asyncio.wait_for(self.opened.wait(), 60)
            return True

        async def open(self):
            self.opened = self.opened or asyncio.Event()
            self.opened.set()
            return True

    a = AsyncGrouped.remote()
    waiting = a.wait_open.remote()
    assert photon.get(a.open.remote(), timeout=60) is True
    assert photon.get(waiting, timeout=60) is True


def test_concurrency_group_names_are_checked(photon_local):
    class Named:
        @photon.method(concurrency_group="nope")
        def f(self):
            return 1

    with pytest.raises(ValueError, match="unknown concurrency group 'nope'.*'io'"):
        photon.remote(concurrency_groups={"io": 2})(Named)
    with pytest.raises(ValueError, match="unknown concurrency group 'nope'"):
        photon.remote(Named)
    with pytest.raises(ValueError, match="concurrency_groups.*'io'.*>= 1"):
        photon.remote(concurrency_groups={"io": 0})(Named)

    @photon.remote(concurrency_groups={"io": 2})
    class Ok:
        def f(self):
            return 1

    handle = Ok.remote()
    with pytest.raises(ValueError, match="unknown concurrency group 'disk'"):
        handle.f.options(concurrency_group="disk")
    # A handle found by name does not know the groups: the actor says it.
    named = Ok.options(name="grouped-by-name").remote()
    with pytest.raises(ValueError, match="unknown concurrency group 'disk'"):
        photon.get(photon.get_actor("grouped-by-name").f.options(concurrency_group="disk").remote())
    photon.kill(named)
    with pytest.raises(TypeError, match="num_cpus"):
        photon.method(num_cpus=1)
