// Follows a job's log through the WebSocket api/jobs/<id>/logs/tail.
//
// The server sends the log from its start, then what is written, and closes
// with code 1000 once the job is terminal and the log drained. Any other
// close shows the whole log once via GET api/jobs/<id>/logs (which also
// surfaces a 401 as the token form) and, while the job still runs, reconnects
// with backoff. The browser sends the auth cookie with the upgrade request.
//
//   const f = new Dash.LogFollower(pre, stateSpan, () => jobIsTerminal);
//   f.start("raysubmit_abc");  ...  f.stop();
"use strict";

(function (Dash) {
  const MAX_CHARS = 2000000;   // keep the newest half when a log outgrows this
  const FLUSH_MS = 60;

  function tailUrl(id) {
    const u = new URL(`api/jobs/${encodeURIComponent(id)}/logs/tail`, window.location.href);
    u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
    u.hash = "";
    u.search = "";
    return u.href;
  }

  class LogFollower {
    constructor(pre, stateEl, isTerminal) {
      this.pre = pre;
      this.stateEl = stateEl;
      this.isTerminal = isTerminal;
      this.id = null;
      this.ws = null;
      this.retryTimer = null;
      this.attempt = 0;
      this.complete = false;
      this.pending = [];
      this.flushTimer = null;
      this.length = 0;
    }

    start(id) {
      this.stop();
      this.id = id;
      this.attempt = 0;
      this.connect();
    }

    stop() {
      clearTimeout(this.retryTimer);
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.pending = [];
      if (this.ws) {
        const ws = this.ws;
        this.ws = null;
        ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
        try { ws.close(1000); } catch (e) { /* already closed */ }
      }
      this.id = null;
    }

    // Reconnects now unless the log is complete (e.g. after signing in).
    resume() {
      if (this.id && !this.complete && !this.ws) {
        clearTimeout(this.retryTimer);
        this.connect();
      }
    }

    setState(text, cls) {
      this.stateEl.textContent = text;
      this.stateEl.className = cls || "muted";
    }

    connect() {
      const id = this.id;
      this.complete = false;
      this.clear();
      this.setState("connecting…");
      let ws;
      try {
        ws = new WebSocket(tailUrl(id));
      } catch (e) {
        this.setState("cannot open the log stream: " + e.message, "bad");
        return;
      }
      this.ws = ws;
      ws.onopen = () => { this.attempt = 0; this.setState("following live", "live"); };
      ws.onmessage = (ev) => {
        if (typeof ev.data === "string") this.push(ev.data);
        else if (ev.data && ev.data.text) ev.data.text().then((t) => this.push(t));
      };
      ws.onclose = (ev) => this.closed(ws, id, ev);
    }

    closed(ws, id, ev) {
      if (this.ws !== ws) return;
      this.ws = null;
      this.flush();
      if (ev.code === 1000) {
        this.complete = true;
        this.setState("complete (job ended)");
        return;
      }
      this.setState(`log stream closed (code ${ev.code}${ev.reason ? ": " + ev.reason : ""})`, "bad");
      this.fallback(id);
    }

    // The whole log once over HTTP, then a reconnect while the job runs.
    async fallback(id) {
      try {
        const reply = await Dash.api.json(`api/jobs/${encodeURIComponent(id)}/logs`);
        if (this.id !== id) return;
        Dash.errors.clear("job logs");
        this.clear();
        this.push(typeof reply.logs === "string" ? reply.logs : "");
        this.flush();
      } catch (e) {
        if (e instanceof Dash.AuthRequired) { Dash.auth.showForm(); return; }
        Dash.errors.set("job logs", `Loading the logs of job ${id} failed: ${e.message}`);
      }
      if (this.id !== id) return;
      if (this.isTerminal()) {
        this.complete = true;
        this.setState("complete (fetched once; job ended)");
        return;
      }
      const delay = Math.min(30000, 1000 * 2 ** this.attempt++);
      this.setState(`log stream closed; reconnecting in ${Math.round(delay / 1000)} s`, "bad");
      this.retryTimer = setTimeout(() => { if (this.id === id) this.connect(); }, delay);
    }

    clear() {
      this.pending = [];
      this.pre.textContent = "";
      this.length = 0;
    }

    push(text) {
      if (!text) return;
      this.pending.push(text);
      if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
    }

    flush() {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
      if (!this.pending.length) return;
      const chunk = this.pending.join("");
      this.pending = [];
      const pre = this.pre;
      const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 24;
      this.length += chunk.length;
      if (this.length > MAX_CHARS) {
        const kept = (pre.textContent + chunk).slice(-MAX_CHARS / 2);
        pre.textContent = "[… earlier output trimmed …]\n" + kept;
        this.length = kept.length;
      } else {
        pre.appendChild(document.createTextNode(chunk));
      }
      if (atBottom) pre.scrollTop = pre.scrollHeight;
    }
  }

  Dash.LogFollower = LogFollower;
})(window.Dash);
