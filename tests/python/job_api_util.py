"""Shared by the job-API tests (test_job_api.py, test_job_api_refusals.py): a
1-node cluster with a photon-dashboard (module-scoped, one per test file) and
small helpers over `requests`."""


import hashlib
import io
import os
import shlex
import zipfile

import pytest
import requests

from cluster import REPO, Cluster, wait_until

PY = "/usr/bin/python3"
TIMEOUT = 60  # s: generous, for a loaded 2-core machine
TERMINAL = {"STOPPED", "SUCCEEDED", "FAILED"}
LIMIT = 8 << 20  # --max-package-bytes here (the default, 100 MiB, would make the 413 test slow)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(num_nodes=1, cpus_per_node=2, dashboard=True, dashboard_args=[f"--max-package-bytes={LIMIT}"]).start()
    yield c
    c.stop()


# --- helpers

def auth(cluster):
    return {"Authorization": f"Bearer {cluster.token}"}


def call(cluster, method, path, token=True, **kwargs):
    headers = dict(auth(cluster) if token else {}, **kwargs.pop("headers", {}))
    return requests.request(method, cluster.dashboard_url + path, headers=headers, timeout=30, **kwargs)


def ok(reply):
    assert 200 <= reply.status_code < 300, f"{reply.request.method} {reply.url}: {reply.status_code} {reply.text}"
    return reply.json() if reply.content else None


def refused(reply, status, *words):
    """Asserts an error reply: `status`, a JSON {"error": ...} naming `words`."""
    assert reply.status_code == status, f"{reply.request.method} {reply.url}: wanted {status}, got " \
                                        f"{reply.status_code} {reply.text}"
    assert reply.headers.get("Content-Type", "").startswith("application/json"), reply.headers
    message = reply.json()["error"]
    assert isinstance(message, str) and message
    for w in words:
        assert w in message, f"{w!r} not in the error {message!r}"
    return message


def submit(cluster, entrypoint, **body):
    return ok(call(cluster, "POST", "/api/jobs/", json=dict(body, entrypoint=entrypoint)))["submission_id"]


def job(cluster, sid):
    return ok(call(cluster, "GET", f"/api/jobs/{sid}"))


def logs(cluster, sid):
    return ok(call(cluster, "GET", f"/api/jobs/{sid}/logs"))["logs"]


def wait_status(cluster, sid, status):
    """Polls until the job is `status`; fails at once if it ends otherwise."""
    def reached():
        j = job(cluster, sid)
        if j["status"] != status and j["status"] in TERMINAL:
            raise AssertionError(f"job {sid} ended {j['status']}, not {status}: {j}\nlogs: {logs(cluster, sid)}")
        return j if j["status"] == status else None
    return wait_until(reached, timeout=TIMEOUT, interval=0.1, what=f"job {sid} to be {status}")


def wait_log(cluster, sid, text):
    return wait_until(lambda: text in logs(cluster, sid), timeout=TIMEOUT, interval=0.1,
                      what=f"{text!r} in the logs of job {sid}")


def py(code):
    """An entrypoint running `code` with the system interpreter."""
    return f"{PY} -c {shlex.quote(code)}"


def wait_for_file(path):
    """Python code an entrypoint runs to block until the test creates `path`."""
    return f"import os, time\nwhile not os.path.exists({str(path)!r}): time.sleep(0.02)\n"


def zip_bytes(entries):
    """A zip of (ZipInfo or name, data) pairs."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return buf.getvalue()


def package_name(data):
    return f"_ray_pkg_{hashlib.sha1(data).hexdigest()}.zip"


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def photon_env():
    """runtime_env env_vars that let an entrypoint import this tree's photon."""
    return {"PYTHONPATH": os.path.join(REPO, "python")}
