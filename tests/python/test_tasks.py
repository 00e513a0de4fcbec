"""Remote functions: calls, arguments, results, nesting, options per call."""

import os

import pytest

import photon
from testutil import hold


@photon.remote
def add(a, b=0):
    return a + b


@photon.remote
def echo(*args, **kwargs):
    return args, kwargs


def test_call_returns_ref_and_value(photon_local):
    ref = add.remote(2, 3)
    assert isinstance(ref, photon.ObjectRef)
    assert photon.get(ref) == 5


def test_many_calls_keep_their_order(photon_local):
    refs = [add.remote(i, i) for i in range(50)]
    assert photon.get(refs) == [2 * i for i in range(50)]


def test_positional_and_keyword_arguments(photon_local):
    assert photon.get(add.remote(1, b=10)) == 11
    args, kwargs = photon.get(echo.remote(1, "two", [3], x=None, y={"z": 4}))
    assert args == (1, "two", [3]) and kwargs == {"x": None, "y": {"z": 4}}


def test_ref_arguments_are_resolved(photon_local):
    a = add.remote(1, 2)
    b = photon.put(10)
    assert photon.get(add.remote(a, b)) == 13
    assert photon.get(add.remote(a, b=b)) == 13


def test_refs_nested_in_values_stay_refs(photon_local):
    @photon.remote
    def total(refs):
        assert all(isinstance(r, photon.ObjectRef) for r in refs)
        return sum(photon.get(refs))

    refs = [photon.put(i) for i in range(5)]
    assert photon.get(total.remote(refs)) == 10


def test_large_argument_and_result(photon_local):
    @photon.remote
    def grow(data):
        return data * 3

    data = b"x" * (2 << 20)
    assert photon.get(grow.remote(data)) == data * 3


def test_chained_tasks(photon_local):
    ref = photon.put(0)
    for _ in range(10):
        ref = add.remote(ref, 1)
    assert photon.get(ref) == 10


def test_tasks_submit_tasks(photon_local):
    @photon.remote
    def leaf(i):
        return i * i

    @photon.remote
    def parent(n):
        return sum(photon.get([leaf.remote(i) for i in range(n)]))

    assert photon.get(parent.remote(4), timeout=60) == 14


def test_num_returns(photon_local):
    @photon.remote(num_returns=3)
    def three():
        return 1, "b", [3]

    refs = three.remote()
    assert isinstance(refs, list) and len(refs) == 3
    assert photon.get(refs) == [1, "b", [3]]

    @photon.remote(num_returns=0)
    def nothing():
        return None

    assert nothing.remote() is None
    pair = add.options(num_returns=2)
    with pytest.raises(ValueError, match="num_returns=2"):
        photon.get(pair.remote(1, 2)[0])


def test_lambda_and_closure(photon_local):
    factor = 7
    times = photon.remote(lambda x: x * factor)
    assert photon.get(times.remote(6)) == 42


def test_tasks_run_in_other_processes(photon_local):
    @photon.remote
    def pid():
        return os.getpid()

    pids = set(photon.get([pid.remote() for _ in range(4)]))
    assert os.getpid() not in pids


def test_options_return_a_copy(photon_local):
    @photon.remote(num_cpus=1)
    def needs(x):
        return photon.get_runtime_context().get_assigned_resources()

    two = needs.options(num_cpus=2, resources={"custom": 1})
    assert photon.get(two.remote(0)) == {"CPU": 2.0, "custom": 1.0}
    assert photon.get(needs.remote(0)) == {"CPU": 1.0}


def test_remote_function_cannot_be_called_directly(photon_local):
    with pytest.raises(TypeError, match=r"add\.remote"):
        add(1, 2)


def test_queued_task_waits_until_cancelled(photon_local):
    # (A feasible shape: a lease request for a shape no node has stays
    # queued at the raylet after cancel; see test_errors.)
    hog = hold({"custom": 2})

    @photon.remote(resources={"custom": 1})
    def later():
        return 1

    ref = later.remote()
    ready, pending = photon.wait([ref], timeout=0.5)
    assert ready == [] and pending == [ref]
    photon.cancel(ref)
    with pytest.raises(photon.exceptions.TaskCancelledError):
        photon.get(ref, timeout=30)
    photon.kill(hog)
