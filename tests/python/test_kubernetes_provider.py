"""The Kubernetes node provider against a fake API server.

FakeApiServer speaks enough of the Kubernetes API for the provider (a
ConfigMap, pods created, deleted and listed by label selector, in pages)
over real HTTPS: its certificate is signed by a test CA that `openssl` makes
here. It records every request, checks the bearer token, and can be told to
answer the next requests with an error (422, 429 with Retry-After, 500, ...)
or to answer late. Each test runs build/bin/kubernetes_provider_tool (or
$PHOTON_K8S_PROVIDER_TOOL) for one operation and reads its JSON line.
"""

import json
import os
import shutil
import ssl
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TOOL = os.environ.get("PHOTON_K8S_PROVIDER_TOOL", os.path.join(REPO, "build", "bin", "kubernetes_provider_tool"))

NAMESPACE = "photon-ns"
CLUSTER = "demo"
CONFIGMAP = "photon-worker-template"
TOKEN = "test-token-0123"
PODS = f"/api/v1/namespaces/{NAMESPACE}/pods"
CONFIGMAP_PATH = f"/api/v1/namespaces/{NAMESPACE}/configmaps/{CONFIGMAP}"

TEMPLATE = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"generateName": "ignored-", "labels": {"app": "photon-worker"}, "annotations": {"team": "ml"}},
    "spec": {
        "restartPolicy": "Never",
        "serviceAccountName": "photon-worker",
        "containers": [{
            "name": "photon-worker",
            "image": "photon:test",
            "command": ["photon", "start", "--address=photon-head:6379", "--block"],
            "env": [{"name": "PHOTON_NUM_CPUS", "value": "99"}, {"name": "TZ", "value": "UTC"}],
        }],
    },
}
GPU_TEMPLATE = {
    "kind": "Pod",
    "metadata": {"labels": {"app": "photon-gpu"}},
    "spec": {"nodeSelector": {"accelerator": "h100"}, "containers": [{"name": "main", "image": "photon:gpu"}]},
}
CPU2 = {"name": "cpu2", "resources": {"CPU": 2, "memory": 4294967296, "accel": 1}, "labels": {"pool": "cpu"}}
GPU1 = {"name": "gpu1", "resources": {"CPU": 7.5, "GPU": 1}}


def _status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def _selects(selector, labels):
    for term in filter(None, selector.split(",")):
        key, _, value = term.partition("=")
        if key not in labels or ("=" in term and labels[key] != value):
            return False
    return True


class FakeApiServer:
    """A threaded HTTPS server holding ConfigMaps and pods of one namespace."""

    def __init__(self, cert, key):
        self.lock = threading.Lock()
        self.requests = []  # {method, path, query, headers, body, time}
        self.injected = []  # answers for the next requests: {code, body, headers} or {delay}
        self.configmaps = {CONFIGMAP: {"template.json": json.dumps(TEMPLATE), "gpu1.json": json.dumps(GPU_TEMPLATE)}}
        self.pods = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = urllib.parse.urlsplit(self.path)
                record = {"method": self.command, "path": url.path, "query": urllib.parse.parse_qs(url.query),
                          "headers": dict(self.headers), "body": json.loads(raw) if raw else None,
                          "time": time.monotonic()}
                with server.lock:
                    server.requests.append(record)
                    injected = server.injected.pop(0) if server.injected else None
                if injected and "code" in injected:
                    code, body, headers = injected["code"], injected.get("body", {}), injected.get("headers", {})
                else:
                    code, body = server.handle(record)
                    headers = {}
                record["answer"] = code
                if injected and "delay" in injected:
                    time.sleep(injected["delay"])
                data = json.dumps(body).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up waiting

            do_GET = do_POST = do_DELETE = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # failed TLS handshakes, clients gone

        self.httpd = Server(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.port = self.httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def inject(self, *answers):
        with self.lock:
            self.injected.extend(answers)

    def log(self):
        """(method, path, HTTP code) of each request so far."""
        with self.lock:
            return [(r["method"], r["path"], r.get("answer")) for r in self.requests]

    def handle(self, r):
        if r["headers"].get("Authorization") != f"Bearer {TOKEN}":
            return 401, _status(401, "Unauthorized", "Unauthorized")
        path, method = r["path"], r["method"]
        prefix = f"/api/v1/namespaces/{NAMESPACE}/"
        if not path.startswith(prefix):
            return 404, _status(404, "NotFound", f"the server could not find the requested resource ({path})")
        kind, _, name = path[len(prefix):].partition("/")
        if kind == "configmaps" and method == "GET":
            if name not in self.configmaps:
                return 404, _status(404, "NotFound", f'configmaps "{name}" not found')
            return 200, {"kind": "ConfigMap", "metadata": {"name": name}, "data": self.configmaps[name]}
        if kind == "pods" and method == "POST" and not name:
            pod = r["body"]
            pod_name = pod["metadata"]["name"]
            if pod_name in self.pods:
                return 409, _status(409, "AlreadyExists", f'pods "{pod_name}" already exists')
            self.pods[pod_name] = dict(pod, status={"phase": "Pending"})
            return 201, self.pods[pod_name]
        if kind == "pods" and method == "DELETE" and name:
            if name not in self.pods:
                return 404, _status(404, "NotFound", f'pods "{name}" not found')
            return 200, self.pods.pop(name)
        if kind == "pods" and method == "GET" and not name:
            selector = r["query"].get("labelSelector", [""])[0]
            limit = int(r["query"].get("limit", ["0"])[0]) or len(self.pods) or 1
            start = int(r["query"].get("continue", ["0"])[0])
            chosen = [p for _, p in sorted(self.pods.items()) if _selects(selector, p["metadata"].get("labels", {}))]
            page = chosen[start:start + limit]
            more = start + limit < len(chosen)
            return 200, {"kind": "PodList", "apiVersion": "v1",
                         "metadata": {"continue": str(start + limit)} if more else {}, "items": page}
        return 405, _status(405, "MethodNotAllowed", f"{method} {path}")


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A test CA, a server certificate it signed for 127.0.0.1, and a self-signed one it did not."""
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed (Debian package openssl)")
    d = tmp_path_factory.mktemp("k8s-certs")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=photon-test-ca",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=d)
    _openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=kubernetes", cwd=d)
    (d / "san.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "server.crt", "-days", "2", "-extfile", "san.cnf", cwd=d)
    _openssl("req", "-x509", *ec, "-keyout", "rogue.key", "-out", "rogue.crt", "-days", "2", "-subj", "/CN=rogue",
             "-addext", "subjectAltName=IP:127.0.0.1", cwd=d)
    (d / "token").write_text(TOKEN + "\n")
    return d


@pytest.fixture
def api(certs):
    server = FakeApiServer(str(certs / "server.crt"), str(certs / "server.key"))
    yield server
    server.stop()


def run_tool(certs, server_url, *args, flags=(), env=None, timeout=60):
    assert os.path.exists(TOOL), f"{TOOL} is missing: `make build` installs it (or set PHOTON_K8S_PROVIDER_TOOL)"
    base = [] if server_url is None else [f"--api-server={server_url}"]
    base += [f"--ca-file={certs / 'ca.crt'}", f"--token-file={certs / 'token'}", f"--namespace={NAMESPACE}",
             f"--cluster-name={CLUSTER}", f"--pod-template-configmap={CONFIGMAP}", "--initial-backoff-ms=50",
             "--max-attempts=4", "--request-timeout-ms=3000"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "PHOTON_"))}
    clean.update(env or {})
    proc = subprocess.run([TOOL, *base, *flags, *args], capture_output=True, text=True, timeout=timeout, env=clean)
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no output (rc {proc.returncode}); stderr:\n{proc.stderr}"
    result = json.loads(lines[-1])
    assert (proc.returncode == 0) == result["ok"], proc.stdout + proc.stderr
    result["stderr"] = proc.stderr
    return result


def launch(certs, api, instance_id, node_type, **kw):
    return run_tool(certs, api.url, "launch", instance_id, json.dumps(node_type), **kw)


def _env_of(container):
    """The container's env with the JSON-valued PHOTON_* variables parsed."""
    out = []
    for e in container["env"]:
        value = e["value"]
        if e["name"] in ("PHOTON_NODE_LABELS", "PHOTON_RESOURCES"):
            value = json.loads(value)
        out.append((e["name"], value))
    return out


def test_launch_creates_the_pod_from_the_template(certs, api):
    result = launch(certs, api, "photon-demo-cpu2-0", CPU2)
    assert result["ok"], result
    assert api.log() == [("GET", CONFIGMAP_PATH, 200), ("POST", PODS, 201)]
    get, post = api.requests
    for r in (get, post):
        assert r["headers"]["Authorization"] == f"Bearer {TOKEN}"
        assert r["headers"]["Accept"] == "application/json"
    assert post["headers"]["Content-Type"] == "application/json"
    body = post["body"]
    assert body["apiVersion"] == "v1" and body["kind"] == "Pod"
    assert body["metadata"] == {
        "name": "photon-demo-cpu2-0",
        "namespace": NAMESPACE,
        "annotations": {"team": "ml"},
        "labels": {"app": "photon-worker", "pool": "cpu", "photon.io/cluster": CLUSTER,
                   "photon.io/node-type": "cpu2", "photon.io/instance-id": "photon-demo-cpu2-0"},
    }
    spec = body["spec"]
    assert spec["restartPolicy"] == "Never" and spec["serviceAccountName"] == "photon-worker"
    (container,) = spec["containers"]
    assert container["image"] == "photon:test"
    assert container["command"] == TEMPLATE["spec"]["containers"][0]["command"]
    quantities = {"cpu": "2", "memory": "4294967296"}
    assert container["resources"] == {"requests": quantities, "limits": quantities}
    assert _env_of(container) == [
        ("TZ", "UTC"),
        ("PHOTON_MEMORY", "4294967296"),
        ("PHOTON_NODE_LABELS", {"pool": "cpu", "photon.io/node-type": "cpu2",
                                "photon.io/instance-id": "photon-demo-cpu2-0"}),
        ("PHOTON_NUM_CPUS", "2"),
        ("PHOTON_NUM_GPUS", "0"),
        ("PHOTON_RESOURCES", {"accel": 1}),
    ]


def test_a_type_can_have_its_own_template(certs, api):
    assert launch(certs, api, "photon-demo-gpu1-0", GPU1)["ok"]
    body = api.requests[-1]["body"]
    assert body["spec"]["nodeSelector"] == {"accelerator": "h100"}
    (container,) = body["spec"]["containers"]
    quantities = {"cpu": "7500m", "nvidia.com/gpu": "1"}
    assert container["resources"] == {"requests": quantities, "limits": quantities}
    assert dict(_env_of(container))["PHOTON_NUM_GPUS"] == "1"
    assert dict(_env_of(container))["PHOTON_NUM_CPUS"] == "7.5"


def test_launching_an_existing_pod_is_success(certs, api):
    assert launch(certs, api, "photon-demo-cpu2-0", CPU2)["ok"]
    again = launch(certs, api, "photon-demo-cpu2-0", CPU2)
    assert again["ok"], again
    assert [a for _, _, a in api.log()] == [200, 201, 200, 409]
    assert len(api.pods) == 1


def test_invalid_pod_is_a_permanent_error_with_the_api_message(certs, api):
    message = 'Pod "photon-demo-cpu2-0" is invalid: spec.containers[0].image: Required value'
    api.inject({}, {"code": 422, "body": _status(422, "Invalid", message)})  # the GET passes, the POST fails
    result = launch(certs, api, "photon-demo-cpu2-0", CPU2)
    assert not result["ok"]
    assert result["code"] == "INVALID_ARGUMENT"
    assert result["message"] == f"POST {PODS}: HTTP 422 (Invalid): {message}"
    assert api.log() == [("GET", CONFIGMAP_PATH, 200), ("POST", PODS, 422)]  # not retried


def test_forbidden_is_reported_and_logged(certs, api):
    message = ('pods "photon-demo-cpu2-0" is forbidden: User "system:serviceaccount:photon-ns:photon-head" '
               'cannot create resource "pods" in API group "" in the namespace "photon-ns"')
    api.inject({}, {"code": 403, "body": _status(403, "Forbidden", message)})
    result = launch(certs, api, "photon-demo-cpu2-0", CPU2)
    assert result["code"] == "PERMISSION_DENIED"
    assert result["message"] == f"POST {PODS}: HTTP 403 (Forbidden): {message}"
    assert message in result["stderr"]  # the provider's log line
    assert len(api.requests) == 2


def test_429_waits_for_retry_after_then_succeeds(certs, api):
    api.inject({}, {"code": 429, "headers": {"Retry-After": "1"},
                    "body": _status(429, "TooManyRequests", "Too many requests, please try again later.")})
    result = launch(certs, api, "photon-demo-cpu2-0", CPU2)
    assert result["ok"], result
    assert api.log() == [("GET", CONFIGMAP_PATH, 200), ("POST", PODS, 429), ("POST", PODS, 201)]
    gap = api.requests[2]["time"] - api.requests[1]["time"]
    assert gap >= 0.95, f"retried {gap:.2f}s after a Retry-After of 1s"  # the backoff alone is 50ms
    assert "HTTP 429; retry 1 of 3 in 1s" in result["stderr"]


def test_500_is_retried_with_backoff(certs, api):
    api.inject({"code": 500, "body": _status(500, "InternalError", "etcdserver: leader changed")},
               {"code": 503, "body": {}})
    result = launch(certs, api, "photon-demo-cpu2-0", CPU2)
    assert result["ok"], result
    assert [a for _, _, a in api.log()] == [500, 503, 200, 201]
    first, second, third = (api.requests[i]["time"] for i in range(3))
    assert second - first >= 0.045 and third - second >= 0.095  # 50ms, then 100ms


def test_retries_are_bounded(certs, api):
    api.inject(*[{"code": 503, "body": _status(503, "ServiceUnavailable", "the server is shutting down")}] * 4)
    result = run_tool(certs, api.url, "list")
    assert result["code"] == "UNAVAILABLE"
    assert result["message"].endswith("HTTP 503 (ServiceUnavailable): the server is shutting down (after 4 attempts)")
    assert len(api.requests) == 4


def test_timeout_is_retried_and_the_late_create_counts(certs, api):
    # The first POST creates the pod but answers after the client's 500ms
    # limit: the retry finds the pod there (409) and the launch succeeds.
    api.inject({}, {"delay": 2})
    result = launch(certs, api, "photon-demo-cpu2-0", CPU2, flags=["--request-timeout-ms=500"])
    assert result["ok"], result
    assert api.log() == [("GET", CONFIGMAP_PATH, 200), ("POST", PODS, 201), ("POST", PODS, 409)]
    assert "Timeout was reached" in result["stderr"]


def test_an_untrusted_certificate_is_refused(certs):
    rogue = FakeApiServer(str(certs / "rogue.crt"), str(certs / "rogue.key"))
    try:
        start = time.monotonic()
        result = run_tool(certs, rogue.url, "list")
        assert result["code"] == "FAILED_PRECONDITION"
        assert "TLS with the API server failed" in result["message"]
        assert "SSL certificate problem" in result["message"]
        assert f"ca_file {certs / 'ca.crt'}" in result["message"]
        assert rogue.requests == []  # nothing, the token included, was sent
        assert time.monotonic() - start < 2  # not retried
    finally:
        rogue.stop()


def test_a_wrong_token_is_unauthenticated(certs, api, tmp_path):
    (tmp_path / "token").write_text("stale")
    result = run_tool(certs, api.url, "list", flags=[f"--token-file={tmp_path / 'token'}"])
    assert result["code"] == "UNAUTHENTICATED"
    assert "HTTP 401 (Unauthorized)" in result["message"]


def test_in_cluster_environment_finds_the_server(certs, api):
    env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": str(api.port)}
    assert run_tool(certs, None, "list", env=env)["ok"]
    assert api.log()[0][0] == "GET"


def test_missing_template_configmap(certs, api):
    api.configmaps.clear()
    result = launch(certs, api, "photon-demo-cpu2-0", CPU2)
    assert result["code"] == "NOT_FOUND"
    assert result["message"] == (f"reading the pod template: GET {CONFIGMAP_PATH}: HTTP 404 (NotFound): "
                                 f'configmaps "{CONFIGMAP}" not found')
    assert api.log() == [("GET", CONFIGMAP_PATH, 404)]


def test_bad_instance_id_sends_nothing(certs, api):
    result = launch(certs, api, "Photon_Demo", CPU2)
    assert result["code"] == "INVALID_ARGUMENT"
    assert api.requests == []


def test_terminate_deletes_and_a_gone_pod_is_ok(certs, api):
    assert launch(certs, api, "photon-demo-cpu2-0", CPU2)["ok"]
    assert run_tool(certs, api.url, "terminate", "photon-demo-cpu2-0")["ok"]
    assert run_tool(certs, api.url, "terminate", "photon-demo-cpu2-0")["ok"]
    assert api.log()[2:] == [("DELETE", f"{PODS}/photon-demo-cpu2-0", 200),
                             ("DELETE", f"{PODS}/photon-demo-cpu2-0", 404)]
    assert api.requests[2]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert api.pods == {}


def _pod(name, status, cluster=CLUSTER, instance=True, deleting=False):
    labels = {"photon.io/cluster": cluster, "photon.io/node-type": "cpu2"}
    if instance:
        labels["photon.io/instance-id"] = name
    metadata = {"name": name, "labels": labels}
    if deleting:
        metadata["deletionTimestamp"] = "2024-05-01T10:00:00Z"
    return {"metadata": metadata, "status": status}


def test_list_maps_pod_phases_to_states(certs, api):
    unschedulable = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available."
    api.pods = {p["metadata"]["name"]: p for p in [
        _pod("a-pending", {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": unschedulable}]}),
        _pod("b-starting", {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "False", "reason": "ContainersNotReady",
             "message": "containers with unready status: [photon-worker]"}]}),
        _pod("c-ready", {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}),
        _pod("d-failed", {"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}),
        _pod("e-done", {"phase": "Succeeded"}),
        _pod("f-deleting", {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}, deleting=True),
        _pod("g-other-cluster", {"phase": "Running"}, cluster="other"),
        _pod("h-head", {"phase": "Running"}, instance=False),
    ]}
    result = run_tool(certs, api.url, "list", flags=["--list-page-size=2"])
    assert result["ok"], result
    assert result["instances"] == {
        "a-pending": {"node_type": "cpu2", "state": "requested", "message": f"Unschedulable: {unschedulable}"},
        "b-starting": {"node_type": "cpu2", "state": "allocated",
                       "message": "ContainersNotReady: containers with unready status: [photon-worker]"},
        "c-ready": {"node_type": "cpu2", "state": "running", "message": ""},
        "d-failed": {"node_type": "cpu2", "state": "failed",
                     "message": "Evicted: The node was low on resource: memory."},
        "e-done": {"node_type": "cpu2", "state": "terminated", "message": "pod succeeded: its containers exited"},
        "f-deleting": {"node_type": "cpu2", "state": "terminated", "message": "being deleted (phase Running)"},
    }
    # Six pods match, two a page: three GETs, the later ones continuing.
    queries = [r["query"] for r in api.requests]
    assert [r["path"] for r in api.requests] == [PODS] * 3
    assert all(q["labelSelector"] == [f"photon.io/cluster={CLUSTER},photon.io/instance-id"] for q in queries)
    assert all(q["limit"] == ["2"] for q in queries)
    assert [q.get("continue") for q in queries] == [None, ["2"], ["4"]]


def test_launched_pod_is_listed_as_requested(certs, api):
    assert launch(certs, api, "photon-demo-cpu2-0", CPU2)["ok"]
    result = run_tool(certs, api.url, "list")
    assert result["instances"] == {
        "photon-demo-cpu2-0": {"node_type": "cpu2", "state": "requested", "message": "waiting to be scheduled"}}
