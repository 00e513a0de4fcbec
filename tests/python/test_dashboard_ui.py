"""The dashboard's web UI (dashboard/ui) in headless Chromium against a real
photon-dashboard.

A 1-node cluster with its dashboard runs a job submitted through the REST API;
Chromium, driven through its DevTools protocol (a WebSocket, spoken with
aiohttp), then loads the UI and the test polls the DOM until it shows the node,
the charts with samples and the job with its log. Screenshots of the overview
and the jobs page land in build/dashboard-overview.png and
build/dashboard-jobs.png for a person to look at.
"""

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import aiohttp
import pytest
import requests

from cluster import REPO, Cluster, wait_until

UI_DIR = os.path.join(REPO, "dashboard", "ui")
SHOTS = os.path.join(REPO, "build")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


# --- a small DevTools-protocol client

class Browser:
    """One headless Chromium with a temporary profile and one page, driven over
    the DevTools protocol. Use as `async with Browser() as b:`."""

    def __init__(self, width=1400, height=900):
        self.width, self.height = width, height
        self.proc = None
        self.profile = None
        self.session = None
        self.ws = None
        self.next_id = 0
        self.replies = {}
        self.exceptions = []   # uncaught page errors (Runtime.exceptionThrown)
        self.tasks = []        # reading the DevTools socket and chromium's stderr
        self.stderr_lines = []

    async def __aenter__(self):
        try:
            await self._start()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def _start(self):
        self.profile = tempfile.mkdtemp(prefix="photon-chromium-")
        self.proc = await asyncio.create_subprocess_exec(
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--mute-audio",
            "--hide-scrollbars", f"--window-size={self.width},{self.height}", f"--user-data-dir={self.profile}",
            "--remote-debugging-port=0", "about:blank",
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        browser_ws = await asyncio.wait_for(self._devtools_url(), 30)
        port = re.match(r"ws://[^:/]+:(\d+)/", browser_ws).group(1)
        self.session = aiohttp.ClientSession()
        page_ws = None
        for _ in range(50):
            async with self.session.get(f"http://127.0.0.1:{port}/json/list") as resp:
                targets = await resp.json(content_type=None)
            page_ws = next((t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page"), None)
            if page_ws:
                break
            await asyncio.sleep(0.1)
        assert page_ws, f"chromium opened no page: {targets}"
        self.ws = await self.session.ws_connect(page_ws, max_msg_size=0)
        self.tasks.append(asyncio.ensure_future(self._read()))
        await self.send("Page.enable")
        await self.send("Runtime.enable")
        await self.send("Network.enable")
        await self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                        deviceScaleFactor=1, mobile=False)

    async def _devtools_url(self):
        while True:
            line = await self.proc.stderr.readline()
            if not line:
                raise RuntimeError("chromium exited before DevTools listened:\n" + "".join(self.stderr_lines))
            text = line.decode(errors="replace")
            self.stderr_lines.append(text)
            m = re.search(r"DevTools listening on (ws://\S+)", text)
            if m:
                self.tasks.append(asyncio.ensure_future(self._drain_stderr()))
                return m.group(1)

    async def _drain_stderr(self):
        while await self.proc.stderr.readline():
            pass

    async def _read(self):
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data:
                fut = self.replies.pop(data["id"], None)
                if fut and not fut.done():
                    fut.set_result(data)
            elif data.get("method") == "Runtime.exceptionThrown":
                details = data["params"]["exceptionDetails"]
                self.exceptions.append(details.get("exception", {}).get("description") or details.get("text"))

    async def send(self, method, **params):
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.replies[self.next_id] = fut
        await self.ws.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(fut, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    async def eval(self, expression):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression, what, timeout=30):
        """Polls a JS expression until it is truthy (returned); on timeout fails
        naming `what`, the error banner and the page's exceptions."""
        deadline = time.monotonic() + timeout
        while True:
            value = await self.eval(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                banner = await self.eval("document.getElementById('error-list')?.innerText || ''")
                raise AssertionError(f"timed out after {timeout} s waiting for {what}; "
                                     f"error banner: {banner!r}; page exceptions: {self.exceptions}")
            await asyncio.sleep(0.2)

    async def navigate(self, url):
        """Loads `url` and returns once its document has loaded."""
        reply = await self.send("Page.navigate", url=url)
        assert not reply.get("errorText"), f"loading {url}: {reply['errorText']}"
        await self.wait_for(f"location.href === {js(url)} && document.readyState === 'complete'", f"{url} to load")

    async def set_cookie(self, url, name, value):
        result = await self.send("Network.setCookie", name=name, value=value, url=url, httpOnly=True,
                                 sameSite="Strict")
        assert result.get("success", True), result

    async def screenshot(self, path):
        """The whole page (not only the viewport) as a PNG."""
        metrics = await self.send("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        clip = {"x": 0, "y": 0, "width": self.width, "height": max(self.height, int(size["height"])), "scale": 1}
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))

    async def __aexit__(self, *exc):
        try:
            if self.ws is not None:
                await self.ws.close()
            for task in self.tasks:
                task.cancel()
            if self.session is not None:
                await self.session.close()
        finally:
            if self.proc is not None and self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            if self.profile:
                shutil.rmtree(self.profile, ignore_errors=True)


def run(coro, timeout=180):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def js(value):
    """A Python string as a JS string literal."""
    return json.dumps(value)


# --- the checks, each against a dashboard at `url` with cluster token `token`

async def check_token_form(url, token):
    """Without the cookie the UI asks for the token; a wrong one says so; the
    right one (POST api/authenticate from the page) loads the data."""
    async with Browser() as b:
        await b.navigate(url + "/#overview")
        await b.wait_for("!document.getElementById('auth-overlay').hidden", "the token form")
        await b.eval("document.getElementById('auth-token').value = 'not-the-token';"
                     "document.getElementById('auth-form').requestSubmit()")
        await b.wait_for("!document.getElementById('auth-error').hidden && "
                         "document.getElementById('auth-error').textContent.includes('wrong token')", "'wrong token'")
        await b.eval(f"document.getElementById('auth-token').value = {js(token)};"
                     "document.getElementById('auth-form').requestSubmit()")
        await b.wait_for("document.getElementById('auth-overlay').hidden", "the token form to go away")
        await b.wait_for("document.getElementById('nodes-alive').textContent === '1'", "1 alive node after signing in")
        # The token went into an HttpOnly cookie, not into the page's storage.
        assert await b.eval("document.cookie.includes('photon_token')") is False
        assert await b.eval("Object.keys(localStorage).length + Object.keys(sessionStorage).length") == 0
        assert b.exceptions == []


async def check_overview_and_jobs(url, token, done_job, long_job):
    """Overview: the node and the charts with samples (screenshot); jobs: both
    jobs listed, the finished one's log over the WebSocket (screenshot), and
    Stop / Delete on the long one."""
    async with Browser() as b:
        await b.set_cookie(url, "photon_token", token)
        await b.navigate(url + "/#overview")
        await b.wait_for("document.getElementById('nodes-alive').textContent === '1'", "1 alive node")
        assert await b.eval("document.getElementById('nodes-dead').textContent") == "0"
        await b.wait_for("document.querySelectorAll('#node-resources .node-card .bar-row').length >= 2",
                         "resource bars of the node")
        for plot in ("plot-cpu", "plot-memory", "plot-object-store", "plot-tasks", "plot-demand"):
            await b.wait_for(f"Number(document.getElementById({js(plot)}).dataset.points) >= 2 && "
                             f"document.querySelector('#{plot} canvas') !== null", f"{plot} with >= 2 samples")
        assert await b.eval("document.getElementById('error-banner').hidden"), \
            await b.eval("document.getElementById('error-list').innerText")
        await asyncio.sleep(0.5)  # let the charts settle after their last setData
        await b.screenshot(os.path.join(SHOTS, "dashboard-overview.png"))

        await b.eval("location.hash = '#jobs'")
        row = f"#jobs-table tbody tr[data-submission-id={js(done_job)}]"
        long_row = f"#jobs-table tbody tr[data-submission-id={js(long_job)}]"
        await b.wait_for(f"document.querySelector({js(row)})?.dataset.status === 'SUCCEEDED'", "the finished job's row")
        await b.wait_for(f"document.querySelector({js(long_row)}) !== null", "the long job's row")
        await b.eval(f"document.querySelector({js(row)}).click()")
        await b.wait_for("location.hash === " + js("#jobs/" + done_job), "the job's details in the URL")
        await b.wait_for("document.getElementById('job-logs').textContent.includes('hello')",
                         "the job's log line over the WebSocket")
        await b.wait_for("document.getElementById('job-logs-state').textContent.startsWith('complete')",
                         "the log stream to close once the job ended")
        assert await b.eval("document.getElementById('job-stop').disabled") is True
        await b.screenshot(os.path.join(SHOTS, "dashboard-jobs.png"))

        # Stop (two clicks: the first arms the button) and Delete the long job from the page.
        await b.eval("location.hash = " + js("#jobs/" + long_job))
        await b.wait_for("document.querySelector('#job-details').dataset.status === 'RUNNING' && "
                         "!document.getElementById('job-stop').disabled", "the long job running")
        await b.eval("document.getElementById('job-stop').click(); document.getElementById('job-stop').click()")
        await b.wait_for("document.querySelector('#job-details').dataset.status === 'STOPPED'",
                         "the long job stopped", timeout=40)
        await b.wait_for("!document.getElementById('job-delete').disabled", "Delete enabled")
        await b.eval("document.getElementById('job-delete').click(); document.getElementById('job-delete').click()")
        await b.wait_for(f"location.hash === '#jobs' && "
                         f"document.querySelector({js(long_row)}) === null", "the deleted job gone")
        assert await b.eval("document.getElementById('error-banner').hidden"), \
            await b.eval("document.getElementById('error-list').innerText")
        assert b.exceptions == []


async def check_other_pages(url, token, node_id):
    """Actors, tasks, placement groups and nodes render without errors; a
    node's workers and log files show and a file opens."""
    async with Browser() as b:
        await b.set_cookie(url, "photon_token", token)
        await b.navigate(url + "/#actors")
        await b.wait_for("document.getElementById('last-update').textContent !== ''", "the actors page to load")
        await b.eval("location.hash = '#tasks'")
        await b.wait_for("document.querySelector('#tasks-by-state .card[data-state=TOTAL]') !== null",
                         "the task summary")
        await b.eval("location.hash = '#placement-groups'")
        await b.wait_for("!document.getElementById('pgs-empty').hidden || "
                         "document.querySelectorAll('#pgs-table tbody tr').length > 0", "the placement groups table")
        await b.eval("location.hash = '#nodes'")
        row = f"#nodes-table tbody tr[data-node-id={js(node_id)}]"
        await b.wait_for(f"document.querySelector({js(row)})?.dataset.state === 'ALIVE'", "the node's row")
        await b.eval(f"document.querySelector({js(row)}).click()")
        await b.wait_for("document.querySelectorAll('#node-logs tbody tr').length > 0", "the node's log files")
        await b.wait_for("!document.getElementById('node-workers-empty').hidden || "
                         "document.querySelectorAll('#node-workers tbody tr').length > 0", "the node's workers table")
        await b.eval("document.querySelector('#node-logs tbody tr').click()")
        await b.wait_for("!document.getElementById('log-viewer').hidden && "
                         "document.getElementById('log-viewer-text').textContent !== 'loading…'", "a log file's text")
        assert await b.eval("document.getElementById('error-banner').hidden"), \
            await b.eval("document.getElementById('error-list').innerText")
        assert b.exceptions == []


# --- tests

def test_ui_urls_are_relative():
    """Absolute paths break the UI behind a path prefix (kubectl proxy, an
    ingress): every src/href/fetch/WebSocket URL must be relative."""
    bad = []
    for folder, _, files in os.walk(UI_DIR):
        if "vendor" in folder:
            continue
        for name in files:
            if not name.endswith((".html", ".js", ".css")):
                continue
            path = os.path.join(folder, name)
            with open(path) as f:
                for n, line in enumerate(f, 1):
                    if re.search(r"""(src|href)\s*=\s*["']/|url\(\s*["']?/|["'`]/(api|static)\b|https?://(?!www\.w3)""",
                                 line):
                        bad.append(f"{os.path.relpath(path, REPO)}:{n}: {line.strip()}")
    assert not bad, "absolute URLs in the UI:\n" + "\n".join(bad)


@pytest.fixture(scope="module")
def dashboard():
    cluster = Cluster(num_nodes=1, cpus_per_node=2, dashboard=True).start()
    try:
        yield cluster
    finally:
        cluster.stop()


def submit(cluster, entrypoint):
    reply = requests.post(cluster.dashboard_url + "/api/jobs/", json={"entrypoint": entrypoint},
                          headers={"Authorization": f"Bearer {cluster.token}"}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["submission_id"]


def job_status(cluster, submission_id):
    reply = requests.get(f"{cluster.dashboard_url}/api/jobs/{submission_id}",
                         headers={"Authorization": f"Bearer {cluster.token}"}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()["status"]


def cluster_metrics(cluster):
    reply = requests.get(cluster.dashboard_url + "/api/cluster_metrics",
                         headers={"Authorization": f"Bearer {cluster.token}"}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def wait_for_samples(cluster, n=2):
    """Until api/cluster_metrics holds `n` samples (one every interval_s)."""
    interval = cluster_metrics(cluster)["interval_s"]
    wait_until(lambda: len(cluster_metrics(cluster)["samples"]) >= n, timeout=3 * n * interval + 10,
               interval=0.2, what=f"{n} samples in api/cluster_metrics")


@needs_chromium
def test_token_form(dashboard):
    run(check_token_form(dashboard.dashboard_url, dashboard.token))


@needs_chromium
def test_overview_and_jobs(dashboard):
    done_job = submit(dashboard, "echo hello")
    long_job = submit(dashboard, "sleep 600")
    wait_until(lambda: job_status(dashboard, done_job) in TERMINAL, timeout=60, interval=0.2, what="echo hello to end")
    assert job_status(dashboard, done_job) == "SUCCEEDED"
    wait_for_samples(dashboard)
    run(check_overview_and_jobs(dashboard.dashboard_url, dashboard.token, done_job, long_job))


@needs_chromium
def test_other_pages(dashboard):
    job = submit(dashboard, "echo pages")  # so the head's logs folder holds a file
    wait_until(lambda: job_status(dashboard, job) in TERMINAL, timeout=60, interval=0.2, what="echo pages to end")
    run(check_other_pages(dashboard.dashboard_url, dashboard.token, dashboard.node_ids[0]))
