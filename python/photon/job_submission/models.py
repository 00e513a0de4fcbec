"""What the job API answers with: JobStatus, JobType, DriverInfo, JobDetails.

The field names and values are those of Ray's job REST API (see
dashboard/API.md), so a JobDetails from a Photon dashboard reads like one
from Ray's:

    details = JobDetails.from_dict(reply.json())
    if details.status.is_terminal():
        print(details.submission_id, details.status, details.driver_exit_code)
"""

import dataclasses
import enum
from typing import Any, Dict, Optional


class JobStatus(str, enum.Enum):
    """The state of a job; compares equal to its name ("RUNNING")."""

    PENDING = "PENDING"      # accepted; the entrypoint has not started yet
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"      # ended by a stop request
    SUCCEEDED = "SUCCEEDED"  # the entrypoint exited with status 0
    FAILED = "FAILED"        # it exited non-zero, or could not be started

    def __str__(self):
        return self.value

    def is_terminal(self) -> bool:
        """Whether the job has ended: it will not change state again."""
        return self in _TERMINAL


_TERMINAL = frozenset({JobStatus.STOPPED, JobStatus.SUCCEEDED, JobStatus.FAILED})


class JobType(str, enum.Enum):
    """SUBMISSION: submitted through the job API; DRIVER: a script that
    called photon.init() itself."""

    SUBMISSION = "SUBMISSION"
    DRIVER = "DRIVER"

    def __str__(self):
        return self.value


@dataclasses.dataclass
class DriverInfo:
    """The driver process of a job, once it has connected to the cluster."""

    id: str
    node_ip_address: Optional[str] = None
    pid: Optional[str] = None

    @classmethod
    def from_dict(cls, d):
        pid = d.get("pid")
        return cls(id=d.get("id"), node_ip_address=d.get("node_ip_address"),
                   pid=None if pid is None else str(pid))


@dataclasses.dataclass
class JobDetails:
    """One job as the dashboard describes it (Ray's JobDetails).

    Times are unix milliseconds; end_time is None while the job runs.
    job_id is the driver's job id (hex), None until a submitted entrypoint
    calls photon.init(); submission_id is None for DRIVER jobs."""

    type: JobType
    status: JobStatus
    entrypoint: str = ""
    job_id: Optional[str] = None
    submission_id: Optional[str] = None
    driver_info: Optional[DriverInfo] = None
    message: Optional[str] = None
    error_type: Optional[str] = None
    start_time: Optional[int] = None
    end_time: Optional[int] = None
    metadata: Optional[Dict[str, str]] = None
    runtime_env: Optional[Dict[str, Any]] = None
    driver_agent_http_address: Optional[str] = None
    driver_node_id: Optional[str] = None
    driver_exit_code: Optional[int] = None
    entrypoint_num_cpus: Optional[float] = None
    entrypoint_num_gpus: Optional[float] = None
    entrypoint_memory: Optional[int] = None
    entrypoint_resources: Optional[Dict[str, float]] = None

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "JobDetails":
        """Builds one from the server's JSON object; fields this client does
        not know are ignored, so a newer server still parses."""
        if not isinstance(d, dict):
            raise ValueError(f"a job is a JSON object, the server sent {type(d).__name__}: {d!r:.200}")
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in d.items() if k in known}
        try:
            values["type"] = JobType(d.get("type", "SUBMISSION"))
            values["status"] = JobStatus(d["status"])
        except (KeyError, ValueError) as e:
            raise ValueError(f"the server sent a job this client cannot read ({e}): {d!r:.300}") from None
        if isinstance(d.get("driver_info"), dict):
            values["driver_info"] = DriverInfo.from_dict(d["driver_info"])
        values.setdefault("entrypoint", "")
        return cls(**values)


# Ray's SDK calls the same record JobInfo in places.
JobInfo = JobDetails
