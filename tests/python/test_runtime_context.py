"""get_runtime_context(): job, node, task and actor IDs, assigned resources."""

import photon


@photon.remote
def context():
    ctx = photon.get_runtime_context()
    return {"job": ctx.get_job_id(), "node": ctx.get_node_id(), "task": ctx.get_task_id(),
            "actor": ctx.get_actor_id(), "resources": ctx.get_assigned_resources(),
            "gpus": photon.get_gpu_ids(), "driver": ctx.is_driver()}


@photon.remote
class Reporter:
    def context(self):
        ctx = photon.get_runtime_context()
        return {"job": ctx.job_id, "actor": ctx.actor_id, "task": ctx.task_id,
                "resources": ctx.get_assigned_resources()}


def test_driver_context(photon_local):
    ctx = photon.get_runtime_context()
    node_ids = [n["NodeID"] for n in photon.nodes() if n["Alive"]]
    assert ctx.get_node_id() in node_ids and ctx.node_id == ctx.get_node_id()
    assert ctx.get_job_id() and ctx.job_id == ctx.get_job_id()
    assert ctx.get_task_id() is None and ctx.get_actor_id() is None
    assert ctx.get_assigned_resources() == {}
    assert ctx.is_driver()
    assert photon.get_gpu_ids() == []


def test_task_context(photon_local):
    driver = photon.get_runtime_context()
    a, b = photon.get([context.remote(), context.remote()])
    for c in (a, b):
        assert c["job"] == driver.get_job_id()
        assert c["node"] == driver.get_node_id()
        assert c["actor"] is None
        assert c["resources"] == {"CPU": 1.0}
        assert c["gpus"] == [] and not c["driver"]
    assert a["task"] and b["task"] and a["task"] != b["task"]


def test_assigned_resources_follow_options(photon_local):
    got = photon.get(context.options(num_cpus=2, resources={"custom": 0.5}).remote())
    assert got["resources"] == {"CPU": 2.0, "custom": 0.5}
    got = photon.get(context.options(num_cpus=0).remote())
    assert got["resources"] == {}


def test_actor_context(photon_local):
    r = Reporter.options(num_cpus=1).remote()
    got = photon.get(r.context.remote())
    assert got["actor"] == r.actor_id
    assert got["job"] == photon.get_runtime_context().job_id
    assert got["task"]
    assert got["resources"].get("CPU") == 1.0
