"""The job API's refusals over real HTTP (dashboard/API.md): a missing or
wrong token, cross-site writes from a browser, malformed submissions, and
packages that escape their folder or are too large; each answer names the
problem."""

import os
import select
import socket
import stat
import zipfile

import pytest
import requests

from job_api_util import (  # noqa: F401 (cluster is a fixture)
    LIMIT,
    TIMEOUT,
    call,
    cluster,
    job,
    logs,
    ok,
    package_name,
    refused,
    submit,
    wait_status,
    zip_bytes)


# --- auth

def test_missing_token_is_401(cluster):
    for method, path in (("GET", "/api/version"), ("GET", "/api/jobs/"), ("POST", "/api/jobs/")):
        refused(call(cluster, method, path, token=False, json={"entrypoint": "true"}), 401)


def test_wrong_token_is_403(cluster):
    refused(call(cluster, "GET", "/api/jobs/", token=False, headers={"Authorization": "Bearer " + "0" * 64}), 403)
    refused(call(cluster, "GET", "/api/jobs/", token=False, headers={"X-Ray-Authorization": "Bearer nope"}), 403)


def test_x_ray_authorization_is_accepted(cluster):
    r = call(cluster, "GET", "/api/jobs/", token=False, headers={"X-Ray-Authorization": f"Bearer {cluster.token}"})
    assert isinstance(ok(r), list)


def test_cookie_from_authenticate(cluster):
    refused(call(cluster, "POST", "/api/authenticate", token=False, json={"token": "wrong"}), 403)
    r = call(cluster, "POST", "/api/authenticate", token=False, json={"token": cluster.token})
    assert r.status_code == 200, r.text
    set_cookie = r.headers["Set-Cookie"]
    attributes = [a.strip().lower() for a in set_cookie.split(";")]
    assert attributes[0] == f"photon_token={cluster.token}".lower()
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    with requests.Session() as browser:
        browser.cookies.update(r.cookies)
        assert isinstance(ok(browser.get(cluster.dashboard_url + "/api/jobs/", timeout=30)), list)
    cookie = {"photon_token": cluster.token}
    assert isinstance(ok(call(cluster, "GET", "/api/jobs/", token=False, cookies=cookie)), list)
    refused(call(cluster, "GET", "/api/jobs/", token=False, cookies={"photon_token": "wrong"}), 403)


def own_origin(cluster):
    return cluster.dashboard_url  # "http://127.0.0.1:PORT", which is also the Host header requests sends


FOREIGN = [{"Origin": "http://evil.example"}, {"Referer": "http://evil.example/page"},
           {"Sec-Fetch-Site": "cross-site"}]


@pytest.mark.parametrize("browser", FOREIGN, ids=["origin", "referer", "sec-fetch-site"])
def test_cross_site_writes_are_refused(cluster, browser):
    sid = f"csrf-{list(browser)[0].lower()}"
    refused(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "submission_id": sid}, headers=browser),
            403)
    refused(call(cluster, "GET", f"/api/jobs/{sid}"), 404)  # nothing was submitted
    data = zip_bytes([("x.py", "")])
    refused(call(cluster, "PUT", f"/api/packages/gcs/{package_name(data)}", data=data, headers=browser), 403)
    assert call(cluster, "GET", f"/api/packages/gcs/{package_name(data)}").status_code == 404
    refused(call(cluster, "POST", "/api/authenticate", token=False, json={"token": cluster.token},
                 headers=browser), 403)
    target = submit(cluster, "true")
    wait_status(cluster, target, "SUCCEEDED")
    refused(call(cluster, "DELETE", f"/api/jobs/{target}", headers=browser), 403)
    refused(call(cluster, "POST", f"/api/jobs/{target}/stop", headers=browser), 403)
    assert job(cluster, target)["status"] == "SUCCEEDED"  # still there


def test_same_origin_writes_are_allowed(cluster):
    same = {"Origin": own_origin(cluster), "Sec-Fetch-Site": "same-origin"}
    sid = ok(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true"}, headers=same))["submission_id"]
    wait_status(cluster, sid, "SUCCEEDED")
    assert ok(call(cluster, "DELETE", f"/api/jobs/{sid}", headers=same)) == {"deleted": True}
    r = call(cluster, "POST", "/api/authenticate", token=False, json={"token": cluster.token}, headers=same)
    assert r.status_code == 200, r.text


# --- validation

def test_unknown_key_is_400_naming_it(cluster):
    refused(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "entrypoint_num_cpu": 1}), 400,
            "entrypoint_num_cpu")


def test_unsupported_runtime_env_key_is_400_naming_it(cluster):
    refused(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "runtime_env": {"pip": ["requests"]}}),
            400, "pip")


@pytest.mark.parametrize("body", [
    {"entrypoint": 5},
    {"entrypoint": "true", "submission_id": 7},
    {"entrypoint": "true", "metadata": "not-a-dict"},
    {"entrypoint": "true", "metadata": {"k": 1}},
    {"entrypoint": "true", "runtime_env": {"env_vars": {"A": 1}}},
    {"entrypoint": "true", "runtime_env": {"working_dir": 3}},
    {"entrypoint": "true", "entrypoint_num_cpus": "two"},
    {"entrypoint": "true", "entrypoint_memory": 1.5},
    {"entrypoint": "true", "entrypoint_resources": {"custom": "one"}},
], ids=lambda b: next(k for k in reversed(list(b))))
def test_wrong_type_is_400(cluster, body):
    refused(call(cluster, "POST", "/api/jobs/", json=body), 400)


def test_bad_bodies_are_400(cluster):
    refused(call(cluster, "POST", "/api/jobs/", json={}), 400, "entrypoint")
    refused(call(cluster, "POST", "/api/jobs/", json=["entrypoint"]), 400)
    refused(call(cluster, "POST", "/api/jobs/", data=b"{not json", headers={"Content-Type": "application/json"}), 400)


def test_null_valued_keys_are_ignored(cluster):
    body = {"entrypoint": "echo nulls-ignored", "submission_id": None, "job_id": None, "runtime_env": None,
            "metadata": None, "entrypoint_num_cpus": None, "entrypoint_num_gpus": None, "entrypoint_memory": None,
            "entrypoint_resources": None}
    sid = ok(call(cluster, "POST", "/api/jobs/", json=body))["submission_id"]
    assert sid.startswith("raysubmit_")
    wait_status(cluster, sid, "SUCCEEDED")
    assert "nulls-ignored" in logs(cluster, sid)


def test_conflicting_or_malformed_ids_are_400(cluster):
    refused(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "submission_id": "a", "job_id": "b"}),
            400)
    refused(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "submission_id": "../escape"}), 400,
            "../escape")


def test_duplicate_submission_id_is_400_naming_it(cluster):
    submit(cluster, "true", submission_id="dup-id-1")
    refused(call(cluster, "POST", "/api/jobs/", json={"entrypoint": "true", "submission_id": "dup-id-1"}), 400,
            "dup-id-1")
    wait_status(cluster, "dup-id-1", "SUCCEEDED")


# --- packages

def _link(name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


@pytest.mark.parametrize("entries", [
    [("ok.py", ""), ("../evil.py", "print('escaped')\n")],
    [("ok.py", ""), ("sub/../../evil.py", "print('escaped')\n")],
    [("ok.py", ""), ("/tmp/photon-test-zip-slip-absolute.py", "print('escaped')\n")],
    [("ok.py", ""), _link("link.py", "../../../../../../etc/passwd")],
    [("ok.py", ""), _link("abs-link", "/etc")],
], ids=["dotdot", "nested-dotdot", "absolute", "symlink-out", "absolute-symlink"])
def test_zip_entries_escaping_the_folder_are_refused(cluster, entries):
    data = zip_bytes(entries)
    path = f"/api/packages/gcs/{package_name(data)}"
    refused(call(cluster, "PUT", path, data=data), 400)
    assert call(cluster, "GET", path).status_code == 404
    assert not os.path.exists("/tmp/photon-test-zip-slip-absolute.py")


def test_not_a_zip_is_refused(cluster):
    data = b"this is not a zip file"
    refused(call(cluster, "PUT", f"/api/packages/gcs/{package_name(data)}", data=data), 400)


def _put_streamed(cluster, path, size):
    """PUTs `size` zero bytes over a raw socket, stopping as soon as the
    server answers; returns the status code of its reply."""
    host, port = cluster.dashboard_url.split("://")[1].split(":")
    head = (f"PUT {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {cluster.token}\r\n"
            f"Content-Type: application/zip\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n").encode()
    chunk = b"\0" * (256 << 10)
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as s:
        s.sendall(head)
        sent = 0
        while sent < size:
            readable, writable, _ = select.select([s], [s], [], TIMEOUT)
            if readable or not writable:
                break
            try:
                sent += s.send(chunk[:min(len(chunk), size - sent)])
            except (BrokenPipeError, ConnectionResetError):
                break
        reply = b""
        try:
            while b"\r\n" not in reply:
                data = s.recv(4096)
                if not data:
                    break
                reply += data
        except ConnectionResetError:
            pass
    assert reply.startswith(b"HTTP/1.1 "), f"no HTTP reply to a {size}-byte PUT (sent {sent}): {reply[:200]!r}"
    return int(reply.split()[1])


def test_oversized_package_is_413(cluster):
    path = f"/api/packages/gcs/{package_name(b'too big')}"
    assert _put_streamed(cluster, path, LIMIT + 1) == 413
    assert call(cluster, "GET", path).status_code == 404


def test_package_protocol_other_than_gcs_is_refused(cluster):
    data = zip_bytes([("x.py", "")])
    r = call(cluster, "PUT", f"/api/packages/s3/{package_name(data)}", data=data)
    assert r.status_code in (400, 404), (r.status_code, r.text)
