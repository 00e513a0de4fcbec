"""Options of @remote, .options() and @method: names and values are checked
with errors that name the mistake."""

import pytest

import photon
from photon.util.scheduling_strategies import NodeAffinitySchedulingStrategy


def f():
    return 1


class C:
    def m(self):
        return 1


def test_unknown_option_names_it():
    with pytest.raises(ValueError, match="num_cpu\\b"):
        photon.remote(num_cpu=1)(f)
    with pytest.raises(ValueError, match="max_restarts"):
        photon.remote(max_restarts=1)(f)  # an actor option on a function
    with pytest.raises(ValueError, match="max_retries"):
        photon.remote(max_retries=1)(C)  # a task option on a class
    with pytest.raises(ValueError, match="bogus"):
        photon.remote(f).options(bogus=True)
    with pytest.raises(ValueError, match="bogus"):
        photon.remote(C).options(bogus=True)
    with pytest.raises(TypeError, match="num_cpus"):
        photon.method(num_cpus=1)


def test_bad_option_values():
    with pytest.raises(ValueError, match="num_cpus"):
        photon.remote(num_cpus=-1)(f)
    with pytest.raises(ValueError, match="num_gpus"):
        photon.remote(num_gpus="one")(f)
    with pytest.raises(ValueError, match="num_returns"):
        photon.remote(num_returns=-2)(f)
    with pytest.raises(TypeError, match="resources must be a dict"):
        photon.remote(resources=["custom"])(f)
    with pytest.raises(ValueError, match="num_cpus="):
        photon.remote(resources={"CPU": 1})(f)
    with pytest.raises(ValueError, match="max_concurrency"):
        photon.remote(max_concurrency=0)(C)
    with pytest.raises(ValueError, match="lifetime"):
        photon.remote(lifetime="forever")(C)
    with pytest.raises(ValueError, match="runtime_env"):
        photon.remote(runtime_env={"env_vars": {"A": "1"}})(f)


def test_remote_decorator_forms():
    assert isinstance(photon.remote(f), photon.RemoteFunction)
    assert isinstance(photon.remote(num_cpus=1)(f), photon.RemoteFunction)
    assert isinstance(photon.remote(C), photon.ActorClass)
    with pytest.raises(TypeError, match="keyword"):
        photon.remote(f, C)
    with pytest.raises(TypeError, match="function or a class"):
        photon.remote()(42)


def test_accepted_options(photon_local):
    task = photon.remote(num_cpus=1, num_gpus=0, resources={"custom": 1}, memory=1 << 20, num_returns=1,
                         max_retries=1, retry_exceptions=False, name="named-task", max_calls=0,
                         scheduling_strategy="DEFAULT")(f)
    assert photon.get(task.remote()) == 1
    assert photon.get(task.options(scheduling_strategy="SPREAD").remote()) == 1
    node = photon.get_runtime_context().get_node_id()
    pinned = task.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
    assert photon.get(pinned.remote()) == 1
    actor = photon.remote(num_cpus=0, num_gpus=0, resources={"custom": 0.1}, memory=1 << 20, max_restarts=0,
                          max_task_retries=0, max_concurrency=2, name="opts-actor", namespace="opts",
                          lifetime="non_detached", get_if_exists=True, scheduling_strategy="DEFAULT")(C)
    handle = actor.remote()
    assert photon.get(handle.m.remote()) == 1
    photon.kill(handle)


def test_bad_scheduling_strategy(photon_local):
    with pytest.raises(ValueError, match="scheduling_strategy"):
        photon.get(photon.remote(scheduling_strategy="FASTEST")(f).remote())
    with pytest.raises(ValueError, match="not a hex node id"):
        NodeAffinitySchedulingStrategy("zz", soft=True)


def test_get_if_exists_needs_a_name(photon_local):
    with pytest.raises(ValueError, match="name"):
        photon.remote(get_if_exists=True)(C).remote()


def test_options_do_not_change_the_original(photon_local):
    task = photon.remote(num_returns=1)(f)
    task.options(num_returns=2, num_cpus=2)
    assert isinstance(task.remote(), photon.ObjectRef)
    assert task._options == {"num_returns": 1}


def test_calls_before_init_fail_clearly_without_auto_init(fresh_driver, monkeypatch):
    monkeypatch.setenv("PHOTON_DISABLE_AUTO_INIT", "1")
    with pytest.raises(RuntimeError, match="not initialized.*automatic initialization is off"):
        photon.put(1)
    with pytest.raises(RuntimeError, match="not initialized"):
        photon.remote(f).remote()
    assert not photon.is_initialized()
