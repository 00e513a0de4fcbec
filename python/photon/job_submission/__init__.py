"""Photon's job API client (Ray's ray.job_submission): submit shell commands
to run as jobs on a cluster through its dashboard, follow their status and
logs, stop and delete them.

    from photon.job_submission import JobSubmissionClient, JobStatus

    client = JobSubmissionClient("http://127.0.0.1:8265")
    sid = client.submit_job(entrypoint="python3 script.py", runtime_env={"working_dir": "."})
    print(client.get_job_status(sid))

The same commands from a shell: `photon job submit -- python3 script.py`.
"""

from photon.job_submission.client import JobSubmissionClient
from photon.job_submission.models import DriverInfo, JobDetails, JobInfo, JobStatus, JobType

__all__ = ["JobSubmissionClient", "JobStatus", "JobDetails", "JobInfo", "JobType", "DriverInfo"]
