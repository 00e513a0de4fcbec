// Talking to photon-dashboard (dashboard/API.md): fetch wrappers, the error
// banner and the token form.
//
// Every path is relative ("api/v0/nodes"), resolved against the page's URL.
// A 401 anywhere throws Dash.AuthRequired, which the refresh loop answers by
// showing the token form; the token is POSTed to api/authenticate, the server
// sets an HttpOnly cookie, and the token itself is kept nowhere.
//
//   const data = await Dash.api.part("actors", "api/v0/actors?limit=50", signal);
//   if (data) render(data.result);      // undefined: the banner names the failure
"use strict";

(function (Dash) {
  const TIMEOUT_MS = 20000;

  class AuthRequired extends Error {
    constructor(what) { super(what + ": the cluster token is required"); this.name = "AuthRequired"; }
  }
  class ApiError extends Error {
    constructor(message, status) { super(message); this.name = "ApiError"; this.status = status; }
  }

  function isAbort(e) { return e && (e.name === "AbortError" || e.name === "TimeoutAbort"); }

  // fetch() with a timeout, aborted as well when `signal` aborts.
  async function request(method, path, {body, signal, accept = "application/json"} = {}) {
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; ctl.abort(); }, TIMEOUT_MS);
    const onAbort = () => ctl.abort();
    if (signal) {
      if (signal.aborted) ctl.abort();
      else signal.addEventListener("abort", onAbort, {once: true});
    }
    const init = {method, credentials: "same-origin", headers: {Accept: accept}, signal: ctl.signal,
      cache: "no-store"};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const what = method + " " + path;
    try {
      const resp = await fetch(path, init);
      // 401: no token. A GET can only be refused (403) for a wrong token (the
      // origin rule is for state changes), e.g. a cookie from before a token
      // rotation: both ask for the token again.
      if (resp.status === 401 || (resp.status === 403 && method === "GET")) throw new AuthRequired(what);
      if (!resp.ok) throw new ApiError(`${what}: HTTP ${resp.status}${await errorText(resp)}`, resp.status);
      return resp;
    } catch (e) {
      if (timedOut) throw new ApiError(`${what}: no answer within ${TIMEOUT_MS / 1000} s`, 0);
      if (e instanceof AuthRequired || e instanceof ApiError || isAbort(e)) throw e;
      throw new ApiError(`${what}: ${e.message || e} (is the dashboard running?)`, 0);
    } finally {
      clearTimeout(timer);
      if (signal) signal.removeEventListener("abort", onAbort);
    }
  }

  // ": <message>" from an error reply's {"error": ...} body, or its text.
  async function errorText(resp) {
    let text = "";
    try { text = await resp.text(); } catch (e) { return ""; }
    try {
      const j = JSON.parse(text);
      if (j && typeof j.error === "string") return ": " + j.error;
    } catch (e) { /* not JSON */ }
    text = text.trim();
    return text ? ": " + text.slice(0, 300) : "";
  }

  async function json(path, opts) {
    const resp = await request("GET", path, opts);
    const what = "GET " + path;
    try {
      return await resp.json();
    } catch (e) {
      if (isAbort(e)) throw e;
      throw new ApiError(`${what}: the reply is not JSON (${e.message})`, resp.status);
    }
  }

  async function text(path, opts) {
    const resp = await request("GET", path, Object.assign({accept: "text/plain"}, opts));
    return resp.text();
  }

  async function send(method, path, body) {
    const resp = await request(method, path, {body});
    const t = await resp.text();
    try { return t ? JSON.parse(t) : {}; } catch (e) { return {}; }
  }

  // Unwraps the state API's envelope {result, msg, data: {result: {total,
  // num_after_truncation, result: [...]}}} into {total, rows}.
  function unwrapState(path, reply) {
    const inner = reply && reply.data && reply.data.result;
    if (!reply || reply.result === false) {
      throw new ApiError(`GET ${path}: ${(reply && reply.msg) || "the server reported a failure"}`, 200);
    }
    if (!inner || !Array.isArray(inner.result)) {
      throw new ApiError(`GET ${path}: unexpected reply (no data.result.result list)`, 200);
    }
    return {total: typeof inner.total === "number" ? inner.total : inner.result.length, rows: inner.result,
      dropped: inner.num_dropped};
  }

  // --- the error banner: one line per failing part, keyed so a failure that
  // repeats every refresh shows once and goes away when the part succeeds.

  const errors = new Map();

  function renderErrors() {
    const list = Dash.$("error-list");
    list.replaceChildren(...[...errors.entries()].map(([key, msg]) =>
      Dash.h("li", {"data-key": key}, msg,
        Dash.h("button", {type: "button", class: "plain dismiss", title: "dismiss",
          onclick: () => clearError(key)}, "✕"))));
    Dash.$("error-banner").hidden = errors.size === 0;
  }
  function setError(key, message) {
    if (errors.get(key) === message) return;
    errors.set(key, message);
    renderErrors();
  }
  function clearError(key) {
    if (errors.delete(key)) renderErrors();
  }
  function clearErrors() {
    errors.clear();
    renderErrors();
  }

  // Fetches one part of a page: its JSON, or undefined after putting the
  // failure in the banner under `label`. Rethrows AuthRequired and aborts so
  // the refresh loop handles those.
  async function part(label, path, signal, {state = false, asText = false} = {}) {
    try {
      let data = asText ? await text(path, {signal}) : await json(path, {signal});
      if (state) data = unwrapState(path, data);
      clearError(label);
      return data;
    } catch (e) {
      if (e instanceof AuthRequired || isAbort(e)) throw e;
      setError(label, `Loading ${label} failed: ${e.message}`);
      return undefined;
    }
  }

  // --- the token form

  let onAuthenticated = () => {};
  let formShown = false;

  function showTokenForm() {
    if (formShown) return;
    formShown = true;
    Dash.$("auth-error").hidden = true;
    Dash.$("auth-overlay").hidden = false;
    Dash.$("auth-token").value = "";
    Dash.$("auth-token").focus();
  }

  async function submitToken(ev) {
    ev.preventDefault();
    const input = Dash.$("auth-token");
    const err = Dash.$("auth-error");
    const button = Dash.$("auth-submit");
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    err.hidden = true;
    try {
      const resp = await fetch("api/authenticate", {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: {"Content-Type": "application/json", Accept: "application/json"},
        body: JSON.stringify({token}),
      });
      if (resp.ok) {
        input.value = "";
        formShown = false;
        Dash.$("auth-overlay").hidden = true;
        onAuthenticated();
        return;
      }
      err.textContent = resp.status === 403 ? "wrong token"
        : `POST api/authenticate: HTTP ${resp.status}${await errorText(resp)}`;
      err.hidden = false;
      input.select();
    } catch (e) {
      err.textContent = `POST api/authenticate failed: ${e.message || e}`;
      err.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  function initAuth(callback) {
    onAuthenticated = callback;
    Dash.$("auth-form").addEventListener("submit", submitToken);
  }

  Dash.AuthRequired = AuthRequired;
  Dash.ApiError = ApiError;
  Dash.isAbort = isAbort;
  Dash.api = {json, text, send, part, unwrapState};
  Dash.errors = {set: setError, clear: clearError, clearAll: clearErrors};
  Dash.auth = {init: initAuth, showForm: showTokenForm, get shown() { return formShown; }};
})(window.Dash);
