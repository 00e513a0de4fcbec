// The dashboard's shell: hash routing (#overview, #jobs, #jobs/<id>, #actors,
// #tasks, #placement-groups, #nodes, #nodes/<id>) and the refresh loop.
//
// Only the visible page refreshes. A refresh starts once the previous one has
// finished (then waits INTERVAL_MS), so a slow server never sees requests pile
// up; switching pages or paging aborts the refresh in flight and starts anew.
// A 401 stops the loop and shows the token form; signing in restarts it.
//
// Each page (static/<page>.js) registers Dash.pages[name] = {init(), refresh(signal),
// show(param)?, hide()?, onAuthenticated()?}.
"use strict";

(function (Dash) {
  const {$} = Dash;
  const PAGES = ["overview", "jobs", "actors", "tasks", "placement-groups", "nodes"];
  const INTERVAL_MS = 3000;
  const HIDDEN_INTERVAL_MS = 30000;  // while the browser tab is in the background

  let current = null;
  let timer = null;
  let running = false;
  let again = false;
  let inflight = null;   // AbortController of the running refresh
  let versionShown = false;

  function parseHash() {
    const raw = window.location.hash.replace(/^#\/?/, "");
    const [name, ...rest] = raw.split("/");
    if (!PAGES.includes(name)) return {page: "overview", param: null};
    let param = rest.length ? rest.join("/") : null;
    try { param = param && decodeURIComponent(param); } catch (e) { /* keep it raw */ }
    return {page: name, param: param || null};
  }

  function route() {
    const {page, param} = parseHash();
    const pages = Dash.pages;
    if (page !== current) {
      if (current) {
        if (pages[current].hide) pages[current].hide();
        $("page-" + current).hidden = true;
      }
      Dash.errors.clearAll();   // the old page's failures no longer refresh
      current = page;
      $("page-" + page).hidden = false;
      for (const a of $("nav").querySelectorAll("a")) a.classList.toggle("active", a.dataset.page === page);
      document.title = "Photon · " + $("nav").querySelector(`a[data-page="${page}"]`).textContent;
    }
    if (pages[page].show) pages[page].show(param);
    kick(true);
  }

  // Refreshes the current page now (after the one in flight, which `abort`
  // cancels).
  function kick(abort = false) {
    if (running) {
      again = true;
      if (abort && inflight) inflight.abort();
      return;
    }
    run();
  }

  async function run() {
    clearTimeout(timer);
    timer = null;
    if (Dash.auth.shown) return;
    running = true;
    inflight = new AbortController();
    const page = current;
    let ok = false;
    try {
      await Dash.pages[page].refresh(inflight.signal);
      Dash.errors.clear("page");
      ok = true;
    } catch (e) {
      if (e instanceof Dash.AuthRequired) {
        Dash.auth.showForm();
      } else if (!Dash.isAbort(e)) {
        console.error(e);
        Dash.errors.set("page", `Refreshing the ${page} page failed: ${e.message || e}`);
      }
    } finally {
      running = false;
      inflight = null;
    }
    if (ok) {
      $("last-update").textContent = "updated " + Dash.fmt.time(Date.now());
      if (!versionShown) showVersion();
    }
    if (Dash.auth.shown) return;
    if (again) { again = false; run(); return; }
    timer = setTimeout(run, document.hidden ? HIDDEN_INTERVAL_MS : INTERVAL_MS);
  }

  async function showVersion() {
    versionShown = true;
    try {
      const v = await Dash.api.json("api/version");
      $("session-name").textContent = v.session_name ? "session " + v.session_name : "";
      $("session-name").title = `Ray API ${v.ray_version || "?"}, version ${v.version || "?"}`;
    } catch (e) {
      versionShown = false;  // try again after the next good refresh
    }
  }

  function authenticated() {
    const page = Dash.pages[current];
    if (page && page.onAuthenticated) page.onAuthenticated();
    kick(true);
  }

  function start() {
    for (const name of PAGES) Dash.pages[name].init();
    Dash.auth.init(authenticated);
    window.addEventListener("hashchange", route);
    document.addEventListener("visibilitychange", () => { if (!document.hidden && !running) kick(); });
    route();
  }

  Dash.app = {kick};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(window.Dash);
