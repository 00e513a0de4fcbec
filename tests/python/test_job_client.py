"""photon.job_submission.JobSubmissionClient against a real dashboard: the
workflow of Ray's client (submit, status, info, list, logs, tail, stop,
delete), working_dir uploads, token and address resolution, error types.
"""

import asyncio
import hashlib
import os
import shlex
import subprocess

import pytest
import requests

from cluster import REPO, Cluster, wait_until
from photon.job_submission import DriverInfo, JobDetails, JobInfo, JobStatus, JobSubmissionClient, JobType
from photon.job_submission import _packaging

PY = "/usr/bin/python3"
TIMEOUT = 60


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(num_nodes=1, cpus_per_node=2, dashboard=True).start()
    yield c
    c.stop()


@pytest.fixture
def client(cluster, monkeypatch):
    monkeypatch.setenv("PHOTON_CLUSTER_TOKEN", cluster.token)
    return JobSubmissionClient(cluster.dashboard_url)


@pytest.fixture
def no_token(monkeypatch, tmp_path):
    """No token in the environment and no local session to read one from."""
    monkeypatch.delenv("PHOTON_CLUSTER_TOKEN", raising=False)
    monkeypatch.setenv("PHOTON_TMPDIR", str(tmp_path / "no-session"))


def py(code):
    return f"{PY} -c {shlex.quote(code)}"


def wait_for_file(path):
    return f"import os, time\nwhile not os.path.exists({str(path)!r}): time.sleep(0.02)\n"


def wait_ended(client, sid):
    def ended():
        status = client.get_job_status(sid)
        return status if status.is_terminal() else None
    return wait_until(ended, timeout=TIMEOUT, interval=0.1, what=f"job {sid} to end")


def wait_running(client, sid):
    wait_until(lambda: client.get_job_status(sid) == JobStatus.RUNNING, timeout=TIMEOUT, interval=0.1,
               what=f"job {sid} to run")


def closed_port():
    from photon import _core
    return _core.free_port()


# --- models

def test_status_and_type_enums():
    assert JobStatus.RUNNING == "RUNNING" and str(JobStatus.RUNNING) == "RUNNING"
    assert [s for s in JobStatus if s.is_terminal()] == [JobStatus.STOPPED, JobStatus.SUCCEEDED, JobStatus.FAILED]
    assert JobStatus("PENDING") is JobStatus.PENDING
    assert JobType.DRIVER == "DRIVER" and str(JobType.SUBMISSION) == "SUBMISSION"
    assert JobInfo is JobDetails


def test_details_tolerate_unknown_fields():
    d = JobDetails.from_dict({"type": "DRIVER", "status": "RUNNING", "job_id": "01000000", "submission_id": None,
                              "entrypoint": "x", "driver_info": {"id": "01000000", "node_ip_address": "1.2.3.4",
                                                                 "pid": 12}, "a_field_from_the_future": 1})
    assert d.type is JobType.DRIVER and d.status is JobStatus.RUNNING
    assert d.driver_info == DriverInfo(id="01000000", node_ip_address="1.2.3.4", pid="12")
    with pytest.raises(ValueError):
        JobDetails.from_dict({"type": "SUBMISSION", "status": "EXPLODED"})


# --- the workflow

def test_version(client, cluster):
    version = requests.get(cluster.dashboard_url + "/api/version", timeout=30,
                           headers={"Authorization": f"Bearer {cluster.token}"}).json()
    assert client.get_version() == version["ray_version"]
    assert client.get_address() == cluster.dashboard_url


def test_submit_and_follow(client, cluster):
    sid = client.submit_job(entrypoint="echo client-says-hi", metadata={"who": "test"})
    assert sid.startswith("raysubmit_")
    assert wait_ended(client, sid) == JobStatus.SUCCEEDED
    info = client.get_job_info(sid)
    assert isinstance(info, JobDetails)
    assert info.type is JobType.SUBMISSION and info.status is JobStatus.SUCCEEDED
    assert info.submission_id == sid and info.entrypoint == "echo client-says-hi"
    assert info.metadata == {"who": "test"}
    assert info.driver_exit_code == 0 and info.end_time >= info.start_time
    assert "client-says-hi" in client.get_job_logs(sid)
    assert sid in [j.submission_id for j in client.list_jobs()]
    assert all(isinstance(j, JobDetails) for j in client.list_jobs())


def test_submission_id_and_deprecated_job_id(client):
    assert client.submit_job(entrypoint="true", submission_id="client-chosen") == "client-chosen"
    assert client.submit_job(entrypoint="true", job_id="client-old-name") == "client-old-name"
    for sid in ("client-chosen", "client-old-name"):
        assert wait_ended(client, sid) == JobStatus.SUCCEEDED


def test_default_metadata_is_merged(cluster, monkeypatch):
    monkeypatch.setenv("PHOTON_CLUSTER_TOKEN", cluster.token)
    client = JobSubmissionClient(cluster.dashboard_url, metadata={"team": "infra", "run": "default"})
    sid = client.submit_job(entrypoint="true", metadata={"run": "mine"})
    assert client.get_job_info(sid).metadata == {"team": "infra", "run": "mine"}
    wait_ended(client, sid)


def test_failure_and_exit_code(client):
    sid = client.submit_job(entrypoint="exit 7")
    assert wait_ended(client, sid) == JobStatus.FAILED
    assert client.get_job_info(sid).driver_exit_code == 7


def test_env_vars_and_entrypoint_resources(client):
    sid = client.submit_job(entrypoint='echo "v=$CLIENT_VAR"', runtime_env={"env_vars": {"CLIENT_VAR": "42"}},
                            entrypoint_num_cpus=1, entrypoint_num_gpus=0, entrypoint_memory=1 << 20,
                            entrypoint_resources={})
    assert wait_ended(client, sid) == JobStatus.SUCCEEDED
    assert "v=42" in client.get_job_logs(sid)


def test_working_dir_is_uploaded(client, cluster, tmp_path):
    src = tmp_path / "project"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "__init__.py").write_text("")
    (src / "pkg" / "helper.py").write_text("WORDS = 'uploaded and imported'\n")
    (src / "main.py").write_text("from pkg.helper import WORDS\nprint(WORDS)\n")
    (src / "skipme.log").write_text("excluded\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    os.symlink(outside, src / "link-out.txt")      # points outside: left out
    os.symlink(src / "main.py", src / "alias.py")  # points inside: stored as a file
    runtime_env = {"working_dir": str(src), "excludes": ["*.log"]}
    sid = client.submit_job(entrypoint=py(
        "import os, runpy; print(sorted(os.listdir('.'))); runpy.run_path('alias.py')"), runtime_env=runtime_env)
    assert runtime_env == {"working_dir": str(src), "excludes": ["*.log"]}  # the caller's dict is untouched
    assert wait_ended(client, sid) == JobStatus.SUCCEEDED, client.get_job_logs(sid)
    text = client.get_job_logs(sid)
    assert "uploaded and imported" in text
    assert "['alias.py', 'main.py', 'pkg']" in text
    uri = client.get_job_info(sid).runtime_env["working_dir"]
    assert uri == _packaging.uri_for_bytes(_packaging.zip_directory(str(src), ["*.log"]))
    assert uri.startswith("gcs://_ray_pkg_") and uri.endswith(".zip")
    name = uri[len("gcs://"):]
    r = requests.get(f"{cluster.dashboard_url}/api/packages/gcs/{name}", timeout=30,
                     headers={"Authorization": f"Bearer {cluster.token}"})
    assert r.status_code == 200
    # The same folder again: the same package, already there.
    again = client.submit_job(entrypoint="true", runtime_env={"working_dir": str(src), "excludes": ["*.log"]})
    assert client.get_job_info(again).runtime_env["working_dir"] == uri
    wait_ended(client, again)


def test_working_dir_zip_file_is_uploaded(client, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "zipped.py").write_text("print('ran from a zip')\n")
    archive = tmp_path / "wd.zip"
    archive.write_bytes(_packaging.zip_directory(str(src)))
    sid = client.submit_job(entrypoint=f"{PY} zipped.py", runtime_env={"working_dir": str(archive)})
    assert wait_ended(client, sid) == JobStatus.SUCCEEDED
    assert "ran from a zip" in client.get_job_logs(sid)
    assert client.get_job_info(sid).runtime_env["working_dir"] == \
        f"gcs://_ray_pkg_{hashlib.sha1(archive.read_bytes()).hexdigest()}.zip"


def test_missing_working_dir_is_a_value_error(client, tmp_path):
    with pytest.raises(ValueError, match="nowhere"):
        client.submit_job(entrypoint="true", runtime_env={"working_dir": str(tmp_path / "nowhere")})


def test_tail_job_logs(client, tmp_path):
    go = tmp_path / "go"
    sid = client.submit_job(entrypoint=py("print('tail-first', flush=True)\n" + wait_for_file(go)
                                          + "print('tail-second')\n"))

    async def follow():
        text = ""
        async for chunk in client.tail_job_logs(sid):
            text += chunk
            if "tail-first" in text and not go.exists():
                assert client.get_job_status(sid) == JobStatus.RUNNING
                go.touch()
        return text
    text = asyncio.run(asyncio.wait_for(follow(), TIMEOUT))
    assert go.exists()
    assert text.index("tail-first") < text.index("tail-second")
    assert client.get_job_status(sid) == JobStatus.SUCCEEDED


def test_stop_and_delete(client):
    sid = client.submit_job(entrypoint="sleep 600")
    wait_running(client, sid)
    with pytest.raises(RuntimeError, match="400"):
        client.delete_job(sid)
    assert client.stop_job(sid) is True
    assert wait_ended(client, sid) == JobStatus.STOPPED
    assert client.stop_job(sid) is False
    assert client.delete_job(sid) is True
    with pytest.raises(RuntimeError, match="404"):
        client.get_job_info(sid)


def test_driver_job_through_the_client(client, cluster):
    code = "import photon\nphoton.init()\nprint(photon.get_runtime_context().get_job_id())\n"
    done = subprocess.run([PY, "-c", code], env=cluster.env(), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.split()[-1]
    info = wait_until(lambda: next((j for j in client.list_jobs() if j.job_id == job_id), None), timeout=TIMEOUT,
                      what=f"driver {job_id} in list_jobs()")
    assert info.type is JobType.DRIVER and info.submission_id is None
    assert isinstance(info.driver_info, DriverInfo) and info.driver_info.id == job_id
    assert wait_ended(client, job_id) == JobStatus.SUCCEEDED


def test_submitted_driver_gets_a_job_id(client, tmp_path):
    (tmp_path / "d.py").write_text("import photon\nphoton.init()\n"
                                   "print(photon.get(photon.put('through the object store')))\n")
    sid = client.submit_job(entrypoint=f"{PY} d.py", runtime_env={
        "working_dir": str(tmp_path), "env_vars": {"PYTHONPATH": os.path.join(REPO, "python")}})
    assert wait_ended(client, sid) == JobStatus.SUCCEEDED, client.get_job_logs(sid)
    assert "through the object store" in client.get_job_logs(sid)
    info = client.get_job_info(sid)
    assert info.job_id and client.get_job_info(info.job_id).submission_id == sid


# --- errors

def test_server_errors_are_runtime_errors(client):
    with pytest.raises(RuntimeError, match="404") as e:
        client.get_job_status("no-such-job")
    assert "no-such-job" in str(e.value)
    with pytest.raises(RuntimeError, match="404"):
        client.stop_job("no-such-job")
    with pytest.raises(RuntimeError, match="404"):
        client.get_job_logs("no-such-job")
    client.submit_job(entrypoint="true", submission_id="client-dup")
    with pytest.raises(RuntimeError, match="400") as e:
        client.submit_job(entrypoint="true", submission_id="client-dup")
    assert "client-dup" in str(e.value)
    with pytest.raises(RuntimeError, match="400") as e:
        client.submit_job(entrypoint="true", runtime_env={"not_a_runtime_env_key": 1})
    assert "not_a_runtime_env_key" in str(e.value)


def test_tail_of_an_unknown_job_is_a_runtime_error(client):
    async def follow():
        async for _ in client.tail_job_logs("no-such-job"):
            pass
    with pytest.raises(RuntimeError, match="404"):
        asyncio.run(asyncio.wait_for(follow(), TIMEOUT))


def test_unreachable_dashboard_is_a_connection_error(monkeypatch):
    monkeypatch.setenv("PHOTON_CLUSTER_TOKEN", "x")
    address = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(ConnectionError, match=address):
        JobSubmissionClient(address)


def test_dashboard_going_away_is_a_connection_error(cluster, client):
    cluster.kill_dashboard()
    try:
        with pytest.raises(ConnectionError, match=cluster.dashboard_url):
            client.list_jobs()

        async def follow():
            async for _ in client.tail_job_logs("anything"):
                pass
        with pytest.raises(ConnectionError, match=cluster.dashboard_url):
            asyncio.run(follow())
    finally:
        cluster.start_dashboard()
    assert isinstance(client.list_jobs(), list)


# --- token and address resolution

def test_no_token_is_refused(cluster, no_token):
    with pytest.raises(RuntimeError, match="401"):
        JobSubmissionClient(cluster.dashboard_url)


def test_wrong_token_is_refused(cluster, no_token):
    with pytest.raises(RuntimeError, match="403"):
        JobSubmissionClient(cluster.dashboard_url, headers={"Authorization": "Bearer wrong"})


def test_token_from_the_latest_session(cluster, monkeypatch, tmp_path):
    monkeypatch.delenv("PHOTON_CLUSTER_TOKEN", raising=False)
    monkeypatch.setenv("PHOTON_TMPDIR", str(tmp_path))
    session = tmp_path / "session_2026-01-01_00-00-00_1"
    session.mkdir()
    (session / "token").write_text(cluster.token + "\n")
    os.symlink(session, tmp_path / "session_latest")
    assert JobSubmissionClient(cluster.dashboard_url).list_jobs() is not None


def test_headers_carrying_a_token_win(cluster, monkeypatch):
    monkeypatch.setenv("PHOTON_CLUSTER_TOKEN", "a-wrong-token-from-the-env")
    for header in ("Authorization", "X-Ray-Authorization", "x-ray-authorization"):
        client = JobSubmissionClient(cluster.dashboard_url, headers={header: f"Bearer {cluster.token}"})
        assert isinstance(client.list_jobs(), list)


def test_cookie_authenticates(cluster, no_token):
    client = JobSubmissionClient(cluster.dashboard_url, cookies={"photon_token": cluster.token})
    assert isinstance(client.list_jobs(), list)


def test_address_from_the_environment(cluster, monkeypatch):
    monkeypatch.setenv("PHOTON_CLUSTER_TOKEN", cluster.token)
    monkeypatch.setenv("RAY_ADDRESS", cluster.dashboard_url)
    assert JobSubmissionClient().get_address() == cluster.dashboard_url
    monkeypatch.delenv("RAY_ADDRESS")
    monkeypatch.setenv("PHOTON_ADDRESS", cluster.dashboard_url + "/")
    assert JobSubmissionClient().get_address() == cluster.dashboard_url
    # A GCS address in PHOTON_ADDRESS is no dashboard: the default is used.
    monkeypatch.setenv("PHOTON_ADDRESS", cluster.gcs_address)
    from photon.job_submission.client import resolve_address
    assert resolve_address(None) == "http://127.0.0.1:8265"
    host_port = cluster.dashboard_url[len("http://"):]
    assert JobSubmissionClient(host_port).get_address() == cluster.dashboard_url


def test_bad_arguments_are_type_errors(cluster):
    with pytest.raises(TypeError):
        JobSubmissionClient(cluster.dashboard_url, headers=["Authorization"])
    with pytest.raises(ValueError, match="ray://"):
        JobSubmissionClient("ray://127.0.0.1:10001")
