"""photon.get_runtime_context(): what this process and task are."""

from photon._private import execution
from photon._private import worker
from photon._private.state import state


class RuntimeContext:
    @property
    def job_id(self):
        return worker.core().job_id.hex()

    @property
    def node_id(self):
        return worker.core().node_id.hex()

    @property
    def task_id(self):
        task = execution.current_task()
        return task.task_id.hex() if task is not None else None

    @property
    def actor_id(self):
        actor = execution.actor_id()
        return actor.hex() if actor else None

    @property
    def namespace(self):
        return worker.core().namespace

    @property
    def worker_id(self):
        return worker.core().worker_id.hex()

    def get_job_id(self):
        return self.job_id

    def get_node_id(self):
        return self.node_id

    def get_task_id(self):
        return self.task_id

    def get_actor_id(self):
        return self.actor_id

    def get_worker_id(self):
        return self.worker_id

    def get_assigned_resources(self):
        """The resources the running task or actor holds ({} in a driver)."""
        return execution.assigned_resources()

    def get_accelerator_ids(self):
        task = execution.current_task()
        return {"GPU": [str(g) for g in task.gpu_ids] if task is not None else []}

    @property
    def was_current_actor_reconstructed(self):
        return False

    def is_driver(self):
        return state.is_driver


def get_runtime_context():
    worker.core()
    return RuntimeContext()


def get_gpu_ids():
    """The GPU ids assigned to the running task ([] in a driver)."""
    task = execution.current_task()
    return list(task.gpu_ids) if task is not None else []
