"""JobSubmissionClient: submits and manages jobs over a Photon dashboard's
HTTP API (dashboard/API.md), with the methods of Ray's client of the same
name, so Ray job scripts run unchanged.

    client = JobSubmissionClient("http://127.0.0.1:8265")
    sid = client.submit_job(entrypoint="python3 train.py", runtime_env={"working_dir": "./"})
    while not client.get_job_status(sid).is_terminal():
        time.sleep(1)
    print(client.get_job_logs(sid))

Every request carries the cluster token (PHOTON_CLUSTER_TOKEN, else the
token file of this machine's latest session) unless `headers` brings its
own Authorization. A refused request raises RuntimeError with the HTTP
status and the server's message; an unreachable dashboard raises
ConnectionError naming the address.
"""

import copy
import logging
import os
import ssl
from typing import Any, AsyncIterator, Dict, List, Optional, Union

import requests

from photon.job_submission import _packaging
from photon.job_submission.models import JobDetails, JobStatus

logger = logging.getLogger(__name__)

DEFAULT_DASHBOARD_ADDRESS = "http://127.0.0.1:8265"
_CONNECT_TIMEOUT_S = 10
_READ_TIMEOUT_S = 300  # an upload of a large working_dir may take a while to be checked and stored


def resolve_address(address: Optional[str]) -> str:
    """The dashboard's base URL: `address`, else RAY_ADDRESS or PHOTON_ADDRESS
    when one holds an http(s) URL (PHOTON_ADDRESS usually names a GCS, which
    is no dashboard), else http://127.0.0.1:8265. "host:port" means http."""
    if address is None or address == "auto":
        for var in ("RAY_ADDRESS", "PHOTON_ADDRESS"):
            value = os.environ.get(var, "")
            if value.startswith(("http://", "https://")):
                return value.rstrip("/")
        return DEFAULT_DASHBOARD_ADDRESS
    if not isinstance(address, str):
        raise TypeError(f"address must be a string, got {type(address).__name__}")
    if "://" not in address:
        address = "http://" + address
    if not address.startswith(("http://", "https://")):
        raise ValueError(f"address {address!r}: the job API needs the dashboard's http:// or https:// URL "
                         f"(e.g. {DEFAULT_DASHBOARD_ADDRESS})")
    return address.rstrip("/")


def resolve_token() -> Optional[str]:
    """PHOTON_CLUSTER_TOKEN, else <PHOTON_TMPDIR or /tmp/photon>/session_latest/token
    when readable, else None."""
    token = os.environ.get("PHOTON_CLUSTER_TOKEN", "").strip()
    if token:
        return token
    root = os.environ.get("PHOTON_TMPDIR") or "/tmp/photon"
    try:
        with open(os.path.join(root, "session_latest", "token")) as f:
            return f.read().strip() or None
    except OSError:
        return None


class JobSubmissionClient:
    """A client of one dashboard's job API. Thread-compatible.

    address: the dashboard's URL (see resolve_address). create_cluster_if_needed
    is accepted for Ray compatibility and has no effect: a dashboard runs with
    `photon start --head`. cookies and headers go on every request; metadata is
    merged into every submitted job's metadata (a job's own keys win). verify:
    check the server's TLS certificate (True, False, or a CA file/folder).

    Raises ConnectionError when the dashboard does not answer and RuntimeError
    when it refuses (a wrong token, for instance).
    """

    def __init__(self, address: Optional[str] = None, create_cluster_if_needed: bool = False,
                 cookies: Optional[Dict[str, Any]] = None, metadata: Optional[Dict[str, Any]] = None,
                 headers: Optional[Dict[str, Any]] = None, verify: Union[bool, str] = True):
        for name, value in (("cookies", cookies), ("metadata", metadata), ("headers", headers)):
            if value is not None and not isinstance(value, dict):
                raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
        if not isinstance(verify, (bool, str)):
            raise TypeError(f"verify must be a bool or a path, got {type(verify).__name__}")
        self._address = resolve_address(address)
        self._cookies = dict(cookies or {})
        self._default_metadata = dict(metadata or {})
        self._headers = dict(headers or {})
        if not any(k.lower() in ("authorization", "x-ray-authorization") for k in self._headers):
            token = resolve_token()
            if token:
                self._headers["Authorization"] = f"Bearer {token}"
        self._verify = verify
        self._ssl = _ssl_for_aiohttp(verify)
        self._call("GET", "/api/version")  # as Ray: fail now when the dashboard is unreachable

    def get_address(self) -> str:
        return self._address

    def get_version(self) -> str:
        """The Ray version the cluster's API matches ("ray_version")."""
        return self._call("GET", "/api/version")["ray_version"]

    # --- jobs

    def submit_job(self, *, entrypoint: str, job_id: Optional[str] = None,
                   runtime_env: Optional[Dict[str, Any]] = None, metadata: Optional[Dict[str, str]] = None,
                   submission_id: Optional[str] = None, entrypoint_num_cpus: Optional[Union[int, float]] = None,
                   entrypoint_num_gpus: Optional[Union[int, float]] = None, entrypoint_memory: Optional[int] = None,
                   entrypoint_resources: Optional[Dict[str, float]] = None) -> str:
        """Starts `entrypoint` (a shell command) on the head node; returns the
        submission id ("raysubmit_..." unless `submission_id` is given; job_id
        is its deprecated name). A local runtime_env["working_dir"] (a folder
        or a .zip) is uploaded first and replaced by its gcs:// URI."""
        if job_id:
            logger.warning("submit_job(job_id=...) is deprecated: use submission_id=")
            if submission_id and submission_id != job_id:
                raise ValueError(f"submission_id {submission_id!r} and job_id {job_id!r} differ; give only "
                                 "submission_id")
        runtime_env = copy.deepcopy(runtime_env) if runtime_env else {}
        if not isinstance(runtime_env, dict):
            raise TypeError(f"runtime_env must be a dict, got {type(runtime_env).__name__}")
        self._upload_working_dir_if_needed(runtime_env)
        body = {
            "entrypoint": entrypoint,
            "submission_id": submission_id or job_id,
            "runtime_env": runtime_env or None,
            "metadata": {**self._default_metadata, **(metadata or {})} or None,
            "entrypoint_num_cpus": entrypoint_num_cpus,
            "entrypoint_num_gpus": entrypoint_num_gpus,
            "entrypoint_memory": entrypoint_memory,
            "entrypoint_resources": entrypoint_resources,
        }
        reply = self._call("POST", "/api/jobs/", json={k: v for k, v in body.items() if v is not None})
        return reply["submission_id"]

    def get_job_info(self, job_id: str) -> JobDetails:
        """The job's details; job_id is a submission id or a driver job id (hex)."""
        return JobDetails.from_dict(self._call("GET", f"/api/jobs/{job_id}"))

    def get_job_status(self, job_id: str) -> JobStatus:
        return self.get_job_info(job_id).status

    def list_jobs(self) -> List[JobDetails]:
        """Every job the cluster knows: submitted ones and plain drivers."""
        return [JobDetails.from_dict(d) for d in self._call("GET", "/api/jobs/")]

    def get_job_logs(self, job_id: str) -> str:
        """The entrypoint's whole output so far (stdout and stderr)."""
        return self._call("GET", f"/api/jobs/{job_id}/logs")["logs"]

    async def tail_job_logs(self, job_id: str) -> AsyncIterator[str]:
        """Yields the job's output as it is written (from the start), chunk by
        chunk; ends once the job has ended and all of it was sent.

            async for text in client.tail_job_logs(sid):
                print(text, end="")
        """
        import aiohttp  # only this method needs it

        url = f"{self._address}/api/jobs/{job_id}/logs/tail"
        async with aiohttp.ClientSession(cookies=self._cookies, headers=self._headers) as session:
            try:
                ws = await session.ws_connect(url, ssl=self._ssl, autoping=True)
            except aiohttp.WSServerHandshakeError as e:
                raise RuntimeError(f"tailing the logs of job {job_id!r} failed with status code {e.status}: "
                                   f"{e.message}") from None
            except aiohttp.ClientConnectionError as e:
                raise ConnectionError(f"cannot reach the Photon dashboard at {self._address}: {e}") from None
            try:
                while True:
                    msg = await ws.receive()
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        yield msg.data
                    elif msg.type == aiohttp.WSMsgType.BINARY:
                        yield msg.data.decode("utf-8", errors="replace")
                    elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING,
                                      aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                        break
            finally:
                await ws.close()

    def stop_job(self, job_id: str) -> bool:
        """Asks the job to end (SIGTERM, then SIGKILL after a grace period);
        True when it was still running, False when it had already ended."""
        return bool(self._call("POST", f"/api/jobs/{job_id}/stop")["stopped"])

    def delete_job(self, job_id: str) -> bool:
        """Forgets an ended job (RuntimeError while it still runs)."""
        return bool(self._call("DELETE", f"/api/jobs/{job_id}")["deleted"])

    # --- helpers

    def _request(self, method, path, headers=None, **kwargs) -> requests.Response:
        url = self._address + path
        try:
            return requests.request(method, url, headers={**self._headers, **(headers or {})}, cookies=self._cookies,
                                    verify=self._verify, timeout=(_CONNECT_TIMEOUT_S, _READ_TIMEOUT_S), **kwargs)
        except requests.exceptions.ConnectionError as e:
            raise ConnectionError(f"cannot reach the Photon dashboard at {self._address}: {_reason(e)}") from None
        except requests.exceptions.Timeout:
            raise TimeoutError(f"the Photon dashboard at {self._address} did not answer {method} {path} "
                               f"within {_READ_TIMEOUT_S} s") from None

    def _call(self, method, path, **kwargs):
        r = self._request(method, path, **kwargs)
        if not 200 <= r.status_code < 300:
            _raise_error(method, path, r)
        try:
            return r.json()
        except ValueError:
            raise RuntimeError(f"{method} {path}: the dashboard at {self._address} answered {r.status_code} "
                               f"with a body that is not JSON: {r.text[:200]!r}") from None

    def _upload_working_dir_if_needed(self, runtime_env):
        # excludes shape only the local upload; the server never sees them.
        excludes = runtime_env.pop("excludes", None) or []
        working_dir = runtime_env.get("working_dir")
        if working_dir is None:
            return
        if not isinstance(working_dir, (str, os.PathLike)):
            raise TypeError(f"runtime_env['working_dir'] must be a path or a URI, got {type(working_dir).__name__}")
        working_dir = os.fspath(working_dir)
        if _packaging.is_uri(working_dir):
            return
        if os.path.isdir(working_dir):
            data = _packaging.zip_directory(working_dir, excludes)
        elif os.path.isfile(working_dir) and working_dir.endswith(".zip"):
            with open(working_dir, "rb") as f:
                data = f.read()
        else:
            raise ValueError(f"runtime_env['working_dir'] {working_dir!r} is neither a local directory, a .zip "
                             "file nor a URI")
        uri = _packaging.uri_for_bytes(data)
        protocol, name = _packaging.split_uri(uri)
        path = f"/api/packages/{protocol}/{name}"
        r = self._request("GET", path)
        if r.status_code == 404:
            logger.info("uploading working_dir %s (%d bytes) as %s", working_dir, len(data), uri)
            put = self._request("PUT", path, data=data, headers={"Content-Type": "application/zip"})
            if not 200 <= put.status_code < 300:
                _raise_error("PUT", path, put)
        elif not 200 <= r.status_code < 300:
            _raise_error("GET", path, r)
        runtime_env["working_dir"] = uri


def _raise_error(method, path, r):
    try:
        body = r.json()
        detail = body.get("error", r.text) if isinstance(body, dict) else r.text
    except ValueError:
        detail = r.text
    detail = detail or r.reason or "(no message)"
    raise RuntimeError(f"Request failed with status code {r.status_code} ({method} {path}): {detail}")


def _reason(e):
    """The innermost OS reason of a requests ConnectionError ("Connection refused")."""
    inner = e
    for _ in range(10):  # requests -> urllib3 MaxRetryError -> NewConnectionError -> OSError
        inner = getattr(inner, "reason", None) or inner.__context__ or (inner.args[0] if inner.args else None)
        if isinstance(inner, OSError) and inner.strerror:
            return inner.strerror
        if not isinstance(inner, BaseException):
            break
    return str(e)


def _ssl_for_aiohttp(verify):
    if verify is False:
        return False
    if isinstance(verify, str):
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        if os.path.isfile(verify):
            return ssl.create_default_context(cafile=verify)
        raise FileNotFoundError(f"verify: the CA certificates {verify!r} do not exist")
    return None  # aiohttp's default: verify against the system's CAs
