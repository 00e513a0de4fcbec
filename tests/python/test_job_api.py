"""The dashboard's job API over real HTTP, as dashboard/API.md promises it.

A 1-node cluster with a photon-dashboard (module-scoped) runs real
entrypoints; the tests speak to it with `requests` and aiohttp only, so they
check the wire contract (paths, bodies, status codes, headers) rather than
any client. The Redis-backed head restart starts a cluster of its own.
Jobs that must wait for the test block on a marker file the test creates,
never on a sleep.
"""

import asyncio
import os
import select
import subprocess

import aiohttp
import pytest

from cluster import Cluster, pid_alive, wait_until
from redis_server import RedisServer
from job_api_util import (  # noqa: F401 (cluster is a fixture)
    PY,
    TIMEOUT,
    auth,
    call,
    cluster,
    job,
    logs,
    ok,
    package_name,
    photon_env,
    py,
    read,
    refused,
    submit,
    wait_for_file,
    wait_log,
    wait_status,
    zip_bytes)


# --- the basics

def test_version(cluster):
    v = ok(call(cluster, "GET", "/api/version"))
    assert v["version"] == "4"
    assert isinstance(v["ray_version"], str) and v["ray_version"].count(".") == 2
    assert isinstance(v["ray_commit"], str)
    assert isinstance(v["session_name"], str)


def test_health_needs_no_token(cluster):
    for path in ("/api/healthz", "/api/gcs_healthz"):
        r = call(cluster, "GET", path, token=False)
        assert r.status_code == 200, (path, r.status_code, r.text)
        assert r.text.strip() == "success"


def test_submit_status_logs_list(cluster):
    sid = submit(cluster, "echo hello-from-the-job")
    assert sid.startswith("raysubmit_") and len(sid) == len("raysubmit_") + 16
    j = wait_status(cluster, sid, "SUCCEEDED")
    assert j["type"] == "SUBMISSION"
    assert j["submission_id"] == sid
    assert j["entrypoint"] == "echo hello-from-the-job"
    assert j["driver_exit_code"] == 0
    assert isinstance(j["start_time"], int) and isinstance(j["end_time"], int)
    assert j["end_time"] >= j["start_time"] > 1_600_000_000_000  # unix ms
    for field in ("job_id", "driver_info", "message", "error_type", "metadata", "runtime_env",
                  "driver_agent_http_address", "driver_node_id"):
        assert field in j, field
    assert "hello-from-the-job" in logs(cluster, sid)
    assert "hello-from-the-job" in read(os.path.join(cluster.dir, "node-0", "logs", f"job-driver-{sid}.log"))
    listed = ok(call(cluster, "GET", "/api/jobs/"))
    assert isinstance(listed, list)
    assert [x["status"] for x in listed if x.get("submission_id") == sid] == ["SUCCEEDED"]


def test_reply_carries_both_ids(cluster):
    reply = ok(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "submission_id": "both-ids"}))
    assert reply == {"job_id": "both-ids", "submission_id": "both-ids"}
    wait_status(cluster, "both-ids", "SUCCEEDED")


def test_job_id_is_the_deprecated_submission_id(cluster):
    reply = ok(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "job_id": "old-style-id"}))
    assert reply["submission_id"] == "old-style-id"
    assert wait_status(cluster, "old-style-id", "SUCCEEDED")["submission_id"] == "old-style-id"


def test_metadata_and_entrypoint_resources_are_kept(cluster):
    sid = submit(cluster, "true", metadata={"owner": "tests", "run": "7"}, entrypoint_num_cpus=1,
                 entrypoint_memory=1 << 20, entrypoint_resources={})
    j = wait_status(cluster, sid, "SUCCEEDED")
    assert j["metadata"] == {"owner": "tests", "run": "7"}


def test_env_vars_reach_the_entrypoint(cluster):
    sid = submit(cluster, 'echo "greeting=$PHOTON_TEST_GREETING"',
                 runtime_env={"env_vars": {"PHOTON_TEST_GREETING": "hi there"}})
    j = wait_status(cluster, sid, "SUCCEEDED")
    assert "greeting=hi there" in logs(cluster, sid)
    assert j["runtime_env"]["env_vars"] == {"PHOTON_TEST_GREETING": "hi there"}


def test_working_dir_on_the_head(cluster, tmp_path):
    (tmp_path / "localmod.py").write_text("VALUE = 'from-local-working-dir'\n")
    sid = submit(cluster, py("import localmod; print(localmod.VALUE)"), runtime_env={"working_dir": str(tmp_path)})
    wait_status(cluster, sid, "SUCCEEDED")
    assert "from-local-working-dir" in logs(cluster, sid)


def test_working_dir_as_an_uploaded_package(cluster):
    data = zip_bytes([("pkgmod.py", "VALUE = 'from-uploaded-package'\n"),
                      ("sub/", b""), ("sub/data.txt", "payload\n")])
    name = package_name(data)
    path = f"/api/packages/gcs/{name}"
    assert call(cluster, "GET", path).status_code == 404
    ok(call(cluster, "PUT", path, data=data))
    assert call(cluster, "GET", path).status_code == 200
    sid = submit(cluster, py("import pkgmod; print(pkgmod.VALUE, open('sub/data.txt').read().strip())"),
                 runtime_env={"working_dir": f"gcs://{name}"})
    j = wait_status(cluster, sid, "SUCCEEDED")
    assert "from-uploaded-package payload" in logs(cluster, sid)
    assert j["runtime_env"]["working_dir"] == f"gcs://{name}"


def test_unknown_package_in_working_dir_fails_or_is_refused(cluster):
    missing = "gcs://" + package_name(b"never uploaded")
    r = call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "runtime_env": {"working_dir": missing}})
    if r.status_code == 400:
        refused(r, 400, package_name(b"never uploaded"))
        return
    sid = ok(r)["submission_id"]
    j = wait_status(cluster, sid, "FAILED")
    assert package_name(b"never uploaded") in (j["message"] or "")


# --- endings

def test_entrypoint_waits_for_its_resources(cluster, tmp_path):
    go = tmp_path / "go"
    holder = submit(cluster, py(wait_for_file(go)), entrypoint_num_cpus=2)  # the head's 2 CPUs
    wait_status(cluster, holder, "RUNNING")
    waiter = submit(cluster, "echo got-a-cpu", entrypoint_num_cpus=1)
    assert job(cluster, waiter)["status"] == "PENDING"
    never = submit(cluster, "echo never-runs", entrypoint_resources={"no-such-resource": 1})
    go.touch()
    wait_status(cluster, holder, "SUCCEEDED")
    wait_status(cluster, waiter, "SUCCEEDED")
    assert "got-a-cpu" in logs(cluster, waiter)
    assert job(cluster, never)["status"] == "PENDING"
    assert ok(call(cluster, "POST", f"/api/jobs/{never}/stop")) == {"stopped": True}
    wait_status(cluster, never, "STOPPED")
    assert "never-runs" not in logs(cluster, never)


def test_failing_entrypoint_is_failed_with_its_exit_code(cluster):
    sid = submit(cluster, "echo about-to-fail; exit 3")
    j = wait_status(cluster, sid, "FAILED")
    assert j["driver_exit_code"] == 3
    assert j["end_time"] is not None
    assert isinstance(j["message"], str) and "3" in j["message"]
    assert "about-to-fail" in logs(cluster, sid)


def test_missing_command_fails(cluster):
    sid = submit(cluster, "/nonexistent/photon-test-command")
    j = wait_status(cluster, sid, "FAILED")
    assert j["driver_exit_code"] not in (None, 0)


def test_stop_ends_the_entrypoint_and_its_children(cluster):
    code = ("import os, subprocess, sys\n"
            "child = subprocess.Popen(['sleep', '600'])\n"
            "print('pids', os.getpid(), child.pid, flush=True)\n"
            "child.wait()\n")
    sid = submit(cluster, py(code))
    wait_log(cluster, sid, "pids ")
    pids = [int(p) for p in logs(cluster, sid).split("pids ", 1)[1].split()[:2]]
    assert job(cluster, sid)["status"] == "RUNNING"
    assert all(pid_alive(p) for p in pids), pids
    assert ok(call(cluster, "POST", f"/api/jobs/{sid}/stop")) == {"stopped": True}
    j = wait_status(cluster, sid, "STOPPED")
    assert j["end_time"] is not None
    for pid in pids:
        wait_until(lambda: not pid_alive(pid), timeout=TIMEOUT, what=f"process {pid} of the stopped job to end")
    assert ok(call(cluster, "POST", f"/api/jobs/{sid}/stop")) == {"stopped": False}
    assert job(cluster, sid)["status"] == "STOPPED"


def test_stop_kills_an_entrypoint_that_ignores_sigterm(cluster):
    code = ("import os, signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "print('stubborn', os.getpid(), flush=True)\n"
            "time.sleep(600)\n")
    sid = submit(cluster, py(code))
    wait_log(cluster, sid, "stubborn ")
    pid = int(logs(cluster, sid).split("stubborn ", 1)[1].split()[0])
    assert pid_alive(pid)
    assert ok(call(cluster, "POST", f"/api/jobs/{sid}/stop"))["stopped"] is True
    wait_status(cluster, sid, "STOPPED")
    wait_until(lambda: not pid_alive(pid), timeout=TIMEOUT, what=f"the SIGTERM-ignoring entrypoint {pid} to die")


def test_delete(cluster, tmp_path):
    go = tmp_path / "go"
    sid = submit(cluster, py(wait_for_file(go)))
    wait_status(cluster, sid, "RUNNING")
    refused(call(cluster, "DELETE", f"/api/jobs/{sid}"), 400)
    assert job(cluster, sid)["status"] == "RUNNING"
    go.touch()
    wait_status(cluster, sid, "SUCCEEDED")
    assert ok(call(cluster, "DELETE", f"/api/jobs/{sid}")) == {"deleted": True}
    refused(call(cluster, "GET", f"/api/jobs/{sid}"), 404)
    refused(call(cluster, "DELETE", f"/api/jobs/{sid}"), 404)
    assert sid not in [x.get("submission_id") for x in ok(call(cluster, "GET", "/api/jobs/"))]


def test_unknown_job_is_404(cluster):
    for method, path in (("GET", "/api/jobs/raysubmit_nosuchjob0000000"), ("GET", "/api/jobs/nosuch/logs"),
                         ("POST", "/api/jobs/nosuch/stop"), ("DELETE", "/api/jobs/nosuch")):
        refused(call(cluster, method, path), 404, "nosuch")


# --- drivers

def test_plain_driver_is_listed_as_driver(cluster, tmp_path):
    go = tmp_path / "go"
    code = ("import os, photon\nphoton.init()\n"
            "print(photon.get_runtime_context().get_job_id(), os.getpid(), flush=True)\n" + wait_for_file(go))
    proc = subprocess.Popen([PY, "-c", code], env=cluster.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
        line = proc.stdout.readline().split() if ready else []
        assert len(line) == 2, f"the driver printed {line}: {proc.stderr.read() if proc.poll() is not None else ''}"
        job_id, pid = line

        def listed():
            return [x for x in ok(call(cluster, "GET", "/api/jobs/")) if x.get("job_id") == job_id]
        entry = wait_until(listed, timeout=TIMEOUT, what=f"driver job {job_id} in GET /api/jobs/")
        assert len(entry) == 1
        assert entry[0]["type"] == "DRIVER"
        assert entry[0]["submission_id"] is None
        assert entry[0]["status"] == "RUNNING"
        assert str(entry[0]["driver_info"]["pid"]) == pid
        assert entry[0]["driver_info"]["id"] == job_id
        assert job(cluster, job_id)["type"] == "DRIVER"
        # Only submissions have logs here and can be stopped or deleted.
        for method, path in (("GET", f"/api/jobs/{job_id}/logs"), ("POST", f"/api/jobs/{job_id}/stop"),
                             ("DELETE", f"/api/jobs/{job_id}")):
            refused(call(cluster, method, path), 400, job_id)
        go.touch()
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    done = wait_status(cluster, job_id, "SUCCEEDED")
    assert done["end_time"] is not None


def test_submitted_driver_runs_a_task(cluster, tmp_path):
    (tmp_path / "driver.py").write_text(
        "import photon\n"
        "photon.init()\n"
        "@photon.remote\n"
        "def twice(x):\n"
        "    return 2 * x\n"
        "print('task says', photon.get(twice.remote(21)), flush=True)\n"
        "print('job id', photon.get_runtime_context().get_job_id(), flush=True)\n")
    sid = submit(cluster, f"{PY} driver.py", runtime_env={"working_dir": str(tmp_path), "env_vars": photon_env()})
    j = wait_status(cluster, sid, "SUCCEEDED")
    text = logs(cluster, sid)
    assert "task says 42" in text
    printed_job_id = text.split("job id ", 1)[1].split()[0]
    assert j["job_id"] == printed_job_id
    assert j["driver_info"] is not None and j["driver_info"]["id"] == printed_job_id
    # The submission's driver is that job, not a second (DRIVER) entry.
    same = [x for x in ok(call(cluster, "GET", "/api/jobs/")) if x.get("job_id") == printed_job_id]
    assert [x["type"] for x in same] == ["SUBMISSION"]
    assert job(cluster, printed_job_id)["submission_id"] == sid


# --- log streaming and the logs API

async def _tail(url, headers, on_text):
    """Reads the WebSocket until the server closes; calls on_text(all so far)
    after each frame; returns (text, close code)."""
    text = ""
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.ws_connect(url) as ws:
            async for msg in ws:
                assert msg.type == aiohttp.WSMsgType.TEXT, msg
                text += msg.data
                on_text(text)
            return text, ws.close_code


def test_websocket_tail_streams_before_the_job_ends(cluster, tmp_path):
    go = tmp_path / "go"
    sid = submit(cluster, py("print('first-line', flush=True)\n" + wait_for_file(go) + "print('second-line')\n"))
    wait_status(cluster, sid, "RUNNING")
    seen_first_while_running = []

    def on_text(text):
        if "first-line" in text and not go.exists():
            seen_first_while_running.append(job(cluster, sid)["status"])
            go.touch()
    url = cluster.dashboard_url.replace("http://", "ws://") + f"/api/jobs/{sid}/logs/tail"
    text, code = asyncio.run(asyncio.wait_for(_tail(url, auth(cluster), on_text), TIMEOUT))
    assert seen_first_while_running == ["RUNNING"]
    assert "first-line" in text and "second-line" in text
    assert text.index("first-line") < text.index("second-line")
    assert code == 1000
    assert job(cluster, sid)["status"] == "SUCCEEDED"


def test_websocket_tail_of_a_finished_job_sends_it_all(cluster):
    sid = submit(cluster, "echo line-one; echo line-two")
    wait_status(cluster, sid, "SUCCEEDED")
    url = cluster.dashboard_url.replace("http://", "ws://") + f"/api/jobs/{sid}/logs/tail"
    text, code = asyncio.run(asyncio.wait_for(_tail(url, auth(cluster), lambda t: None), TIMEOUT))
    assert text == logs(cluster, sid) and "line-one\nline-two" in text
    assert code == 1000


def test_websocket_tail_needs_the_token(cluster):
    sid = submit(cluster, "true")
    url = cluster.dashboard_url.replace("http://", "ws://") + f"/api/jobs/{sid}/logs/tail"
    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
        asyncio.run(asyncio.wait_for(_tail(url, {}, lambda t: None), TIMEOUT))
    assert e.value.status == 401
    url = cluster.dashboard_url.replace("http://", "ws://") + "/api/jobs/nosuchjob/logs/tail"
    with pytest.raises(aiohttp.WSServerHandshakeError) as e:
        asyncio.run(asyncio.wait_for(_tail(url, auth(cluster), lambda t: None), TIMEOUT))
    assert e.value.status == 404


def test_logs_api_is_confined_to_the_logs_folder(cluster, tmp_path):
    head = cluster.node_ids[0]
    sid = submit(cluster, "echo in-the-logs-folder")
    wait_status(cluster, sid, "SUCCEEDED")
    r = call(cluster, "GET", "/api/logs", params={"node_id": head, "filename": f"job-driver-{sid}.log"})
    assert r.status_code == 200, r.text
    assert "in-the-logs-folder" in r.text
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the dashboard\n")
    link = os.path.join(cluster.dir, "node-0", "logs", "link-out.log")
    os.symlink(secret, link)
    try:
        for name in ("../x", "../../gcs.log", "/etc/passwd", "sub/../../x", "link-out.log"):
            refused(call(cluster, "GET", "/api/logs", params={"node_id": head, "filename": name}), 400)
    finally:
        os.unlink(link)
    refused(call(cluster, "GET", "/api/logs", params={"node_id": head, "filename": "no-such.log"}), 404)
    refused(call(cluster, "GET", "/api/logs", params={"node_id": "ab" * 28, "filename": "x.log"}), 404)


# --- restarts (last: they take the dashboard down)

def test_job_outlives_a_dashboard_restart(cluster, tmp_path):
    middle, end = tmp_path / "middle", tmp_path / "end"
    code = ("print('before', flush=True)\n" + wait_for_file(middle) + "print('during', flush=True)\n"
            + wait_for_file(end) + "print('after', flush=True)\n")
    sid = submit(cluster, py(code))
    wait_log(cluster, sid, "before")
    cluster.kill_dashboard()
    try:
        middle.touch()
        log_file = os.path.join(cluster.dir, "node-0", "logs", f"job-driver-{sid}.log")
        wait_until(lambda: "during" in read(log_file), timeout=TIMEOUT,
                   what="the job to go on writing its log while the dashboard is down")
    finally:
        cluster.start_dashboard()
    assert job(cluster, sid)["status"] == "RUNNING"
    assert "during" in logs(cluster, sid)
    end.touch()
    j = wait_status(cluster, sid, "SUCCEEDED")
    assert j["driver_exit_code"] == 0
    text = logs(cluster, sid)
    assert text.index("before") < text.index("during") < text.index("after")


def test_job_that_ends_while_the_dashboard_is_down(cluster, tmp_path):
    go = tmp_path / "go"
    code = "import os\nprint('pid', os.getpid(), flush=True)\n" + wait_for_file(go) + "print('bye')\nos._exit(5)\n"
    sid = submit(cluster, py(code))
    wait_log(cluster, sid, "pid ")
    pid = int(logs(cluster, sid).split("pid ", 1)[1].split()[0])
    assert pid_alive(pid)
    cluster.kill_dashboard()
    try:
        go.touch()
        wait_until(lambda: not pid_alive(pid), timeout=TIMEOUT, what=f"the entrypoint {pid} to exit")
    finally:
        cluster.start_dashboard()
    j = wait_status(cluster, sid, "FAILED")
    assert j["driver_exit_code"] == 5
    assert "bye" in logs(cluster, sid)


def test_head_restart_with_redis_keeps_finished_jobs():
    redis = RedisServer().start()
    head = Cluster(num_nodes=1, cpus_per_node=2, storage=redis.url, dashboard=True)
    try:
        head.start()
        good = submit(head, "echo kept-across-restarts", metadata={"k": "v"})
        bad = submit(head, "exit 9")
        before = {sid: wait_status(head, sid, status) for sid, status in ((good, "SUCCEEDED"), (bad, "FAILED"))}
        head.kill_dashboard()
        head.kill_gcs()
        head.restart_gcs()
        head.start_dashboard()
        for sid, was in before.items():
            now = job(head, sid)
            for field in ("status", "start_time", "end_time", "driver_exit_code", "entrypoint", "metadata",
                          "submission_id"):
                assert now[field] == was[field], (field, was, now)
        assert "kept-across-restarts" in logs(head, good)
        listed = {x.get("submission_id") for x in ok(call(head, "GET", "/api/jobs/"))}
        assert {good, bad} <= listed
        after = submit(head, "echo after-restart")
        wait_status(head, after, "SUCCEEDED")
        refused(call(head, "POST", "/api/jobs/", json={"entrypoint": "true", "submission_id": good}), 400, good)
    finally:
        head.stop()
        redis.stop()
