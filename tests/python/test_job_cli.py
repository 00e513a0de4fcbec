"""`photon job ...` (python -m photon._private.job_cli, which the C++ photon
CLI execs) against a real dashboard: exit codes, what it prints, and one
clear line on stderr for each kind of bad input.
"""

import json
import os
import select
import shlex
import subprocess

import pytest
import requests

from cluster import REPO, Cluster, wait_until

PY = "/usr/bin/python3"
TIMEOUT = 60
# A PHOTON_TMPDIR with no session, so no token to fall back on (conftest removes its root).
NO_SESSION = os.path.join(os.environ["PHOTON_TMPDIR"], "cli-no-session")


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(num_nodes=1, cpus_per_node=2, dashboard=True).start()
    yield c
    c.stop()


def cli_env(cluster=None, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PHOTON_", "RAY_"))}
    env["PYTHONPATH"] = os.path.join(REPO, "python")
    env["PHOTON_TMPDIR"] = NO_SESSION
    if cluster is not None:
        env["PHOTON_CLUSTER_TOKEN"] = cluster.token
    env.update(extra)
    return env


def argv(cluster, command, *args, address=True):
    out = [PY, "-m", "photon._private.job_cli", command]
    if address:
        out += ["--address", cluster.dashboard_url]
    return out + list(args)


def cli(cluster, command, *args, env=None, address=True):
    return subprocess.run(argv(cluster, command, *args, address=address), env=env or cli_env(cluster),
                          capture_output=True, text=True, timeout=TIMEOUT)


def one_error_line(done, *words):
    """Asserts `done` failed with a single clear line on stderr naming `words`."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, f"stderr should be one line:\n{done.stderr}"
    assert "Traceback" not in done.stderr
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    return lines[0]


def api_job(cluster, sid):
    r = requests.get(f"{cluster.dashboard_url}/api/jobs/{sid}", timeout=30,
                     headers={"Authorization": f"Bearer {cluster.token}"})
    assert r.status_code == 200, r.text
    return r.json()


def wait_status(cluster, sid, status):
    return wait_until(lambda: api_job(cluster, sid)["status"] == status, timeout=TIMEOUT, interval=0.1,
                      what=f"job {sid} to be {status}")


def submitted_id(stdout):
    return stdout.split("Job '", 1)[1].split("'", 1)[0]


# --- submit

def test_submit_follows_the_logs_and_succeeds(cluster):
    done = cli(cluster, "submit", "--", PY, "-c", "print('cli-hello')")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    sid = submitted_id(out)
    assert sid.startswith("raysubmit_")
    assert f"Job '{sid}' submitted successfully" in out
    assert out.index("submitted successfully") < out.index("cli-hello") < out.index(f"Job '{sid}' succeeded")
    assert api_job(cluster, sid)["entrypoint"] == shlex.join([PY, "-c", "print('cli-hello')"])


def test_submit_of_a_failing_command_exits_1(cluster):
    done = cli(cluster, "submit", "--", "sh", "-c", "echo cli-bad; exit 4")
    assert done.returncode == 1, done.stdout + done.stderr
    sid = submitted_id(done.stdout)
    assert "cli-bad" in done.stdout
    assert f"Job '{sid}' failed" in done.stdout
    assert api_job(cluster, sid)["driver_exit_code"] == 4


def test_submit_prints_logs_as_they_come(cluster, tmp_path):
    go = tmp_path / "go"
    code = f"import os, time\nprint('cli-first', flush=True)\nwhile not os.path.exists({str(go)!r}): " \
           f"time.sleep(0.02)\nprint('cli-second')\n"
    proc = subprocess.Popen(argv(cluster, "submit", "--", PY, "-c", code), env=cli_env(cluster),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = ""
        while "cli-first" not in seen:
            ready, _, _ = select.select([proc.stdout], [], [], TIMEOUT)
            line = proc.stdout.readline() if ready else ""
            assert line, f"the CLI stopped printing before the job's first line: {seen}{proc.stderr.read()}"
            seen += line
        assert proc.poll() is None  # still following: the job waits for `go`
        go.touch()
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, seen + out + err
    assert "cli-second" in out and "succeeded" in out


def test_no_wait_then_status_logs_list(cluster):
    done = cli(cluster, "submit", "--no-wait", "--submission-id", "cli-nowait", "--", "echo", "nowait-output")
    assert done.returncode == 0, done.stderr
    assert "Job 'cli-nowait' submitted successfully" in done.stdout
    assert "nowait-output" not in done.stdout
    wait_status(cluster, "cli-nowait", "SUCCEEDED")
    status = cli(cluster, "status", "cli-nowait")
    assert status.returncode == 0 and "Status for job 'cli-nowait': SUCCEEDED" in status.stdout
    logs = cli(cluster, "logs", "cli-nowait")
    assert logs.returncode == 0 and "nowait-output" in logs.stdout
    follow = cli(cluster, "logs", "cli-nowait", "--follow")
    assert follow.returncode == 0 and "nowait-output" in follow.stdout
    listed = cli(cluster, "list")
    assert listed.returncode == 0
    row = [line for line in listed.stdout.splitlines() if line.startswith("cli-nowait ")]
    assert len(row) == 1 and "SUCCEEDED" in row[0] and "SUBMISSION" in row[0]


def test_deprecated_job_id_flag(cluster):
    done = cli(cluster, "submit", "--no-wait", "--job-id", "cli-old-flag", "--", "true")
    assert done.returncode == 0, done.stderr
    wait_status(cluster, "cli-old-flag", "SUCCEEDED")


def test_working_dir_runtime_env_and_metadata(cluster, tmp_path):
    wd = tmp_path / "wd"
    wd.mkdir()
    (wd / "climod.py").write_text("V = 'cli-working-dir'\n")
    env_file = tmp_path / "env.yaml"
    env_file.write_text("working_dir: /nonexistent/overridden\nenv_vars:\n  FROM_YAML: yaml-value\n")
    done = cli(cluster, "submit", "--working-dir", str(wd), "--runtime-env", str(env_file),
               "--metadata-json", '{"owner": "cli"}', "--entrypoint-num-cpus", "1", "--entrypoint-resources", "{}",
               "--", PY, "-c", "import climod, os; print(climod.V, os.environ['FROM_YAML'])")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cli-working-dir yaml-value" in done.stdout
    j = api_job(cluster, submitted_id(done.stdout))
    assert j["metadata"] == {"owner": "cli"}
    assert j["runtime_env"]["working_dir"].startswith("gcs://_ray_pkg_")
    done = cli(cluster, "submit", "--runtime-env-json", json.dumps({"env_vars": {"FROM_JSON": "json-value"}}),
               "--", "sh", "-c", "echo $FROM_JSON")
    assert done.returncode == 0 and "json-value" in done.stdout, done.stdout + done.stderr


# --- stop, delete

def test_stop_waits_until_stopped(cluster):
    done = cli(cluster, "submit", "--no-wait", "--", "sleep", "600")
    sid = submitted_id(done.stdout)
    wait_status(cluster, sid, "RUNNING")
    stop = cli(cluster, "stop", sid)
    assert stop.returncode == 0, stop.stderr
    assert f"Job '{sid}' was stopped" in stop.stdout
    assert api_job(cluster, sid)["status"] == "STOPPED"
    again = cli(cluster, "stop", sid)
    assert again.returncode == 0 and "already ended" in again.stdout


def test_stop_no_wait(cluster):
    sid = submitted_id(cli(cluster, "submit", "--no-wait", "--", "sleep", "600").stdout)
    wait_status(cluster, sid, "RUNNING")
    stop = cli(cluster, "stop", sid, "--no-wait")
    assert stop.returncode == 0, stop.stderr
    wait_status(cluster, sid, "STOPPED")


def test_delete(cluster):
    sid = submitted_id(cli(cluster, "submit", "--no-wait", "--", "sleep", "600").stdout)
    wait_status(cluster, sid, "RUNNING")
    running = cli(cluster, "delete", sid)
    assert running.returncode == 1
    one_error_line(running, "400")
    assert cli(cluster, "stop", sid).returncode == 0
    done = cli(cluster, "delete", sid)
    assert done.returncode == 0, done.stderr
    assert f"Job '{sid}' deleted successfully" in done.stdout
    gone = cli(cluster, "status", sid)
    assert gone.returncode == 1
    one_error_line(gone, sid, "404")


# --- bad input

@pytest.mark.parametrize("flag", ["--runtime-env-json", "--metadata-json", "--entrypoint-resources"])
def test_bad_json_is_a_usage_error(cluster, flag):
    done = cli(cluster, "submit", flag, "{not json", "--", "true")
    assert done.returncode == 2
    one_error_line(done, flag, "JSON")
    done = cli(cluster, "submit", flag, "[1, 2]", "--", "true")
    assert done.returncode == 2
    one_error_line(done, flag)


def test_bad_runtime_env_file_is_a_usage_error(cluster, tmp_path):
    done = cli(cluster, "submit", "--runtime-env", str(tmp_path / "missing.yaml"), "--", "true")
    assert done.returncode == 2
    one_error_line(done, "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("env_vars: [unclosed\n")
    done = cli(cluster, "submit", "--runtime-env", str(bad), "--", "true")
    assert done.returncode == 2
    one_error_line(done, "bad.yaml", "YAML")


def test_missing_entrypoint_is_a_usage_error(cluster):
    for args in ((), ("--",)):
        done = cli(cluster, "submit", *args)
        assert done.returncode == 2
        one_error_line(done, "command")


def test_bad_flags_are_usage_errors(cluster):
    done = cli(cluster, "submit", "--entrypoint-num-cpus", "lots", "--", "true")
    assert done.returncode == 2
    one_error_line(done, "--entrypoint-num-cpus")
    done = cli(cluster, "status")
    assert done.returncode == 2
    one_error_line(done)
    done = subprocess.run([PY, "-m", "photon._private.job_cli", "frobnicate"], env=cli_env(cluster),
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2
    one_error_line(done, "frobnicate")


def test_unreachable_dashboard(cluster):
    from photon import _core
    address = f"http://127.0.0.1:{_core.free_port()}"
    for command in (("submit", "--address", address, "--", "true"), ("list", "--address", address)):
        done = subprocess.run([PY, "-m", "photon._private.job_cli", *command], env=cli_env(cluster),
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert done.returncode == 1
        one_error_line(done, address)


def test_unknown_job(cluster):
    for command in ("status", "logs", "stop", "delete"):
        done = cli(cluster, command, "no-such-cli-job")
        assert done.returncode == 1, (command, done.stdout)
        one_error_line(done, "no-such-cli-job", "404")


def test_duplicate_submission_id(cluster):
    assert cli(cluster, "submit", "--no-wait", "--submission-id", "cli-dup", "--", "true").returncode == 0
    done = cli(cluster, "submit", "--no-wait", "--submission-id", "cli-dup", "--", "true")
    assert done.returncode == 1
    one_error_line(done, "cli-dup", "400")


# --- token and address

def test_no_token(cluster):
    done = cli(cluster, "list", env=cli_env())
    assert done.returncode == 1
    one_error_line(done, "401", "--token")


def test_token_flag(cluster):
    done = cli(cluster, "list", "--token", cluster.token, env=cli_env())
    assert done.returncode == 0, done.stderr
    wrong = cli(cluster, "list", "--token", "wrong", env=cli_env())
    assert wrong.returncode == 1
    one_error_line(wrong, "403")


def test_token_from_the_latest_session(cluster, tmp_path):
    session = tmp_path / "session_x"
    session.mkdir()
    (session / "token").write_text(cluster.token + "\n")
    os.symlink(session, tmp_path / "session_latest")
    done = cli(cluster, "list", env=cli_env(PHOTON_TMPDIR=str(tmp_path)))
    assert done.returncode == 0, done.stderr


def test_address_from_the_environment(cluster):
    for var in ("RAY_ADDRESS", "PHOTON_ADDRESS"):
        done = cli(cluster, "list", env=cli_env(cluster, **{var: cluster.dashboard_url}), address=False)
        assert done.returncode == 0, (var, done.stderr)
