// The nodes page: one page of api/v0/nodes at a time; #nodes/<id> adds that
// node's workers and log files, each file openable (its last 64 KiB).
"use strict";

(function (Dash) {
  const {h, $, cell, fmt} = Dash;
  const PAGE = 50;
  const TAIL_BYTES = 65536;
  let pager = null;
  let workersPager = null;
  let logsPager = null;
  let selected = null;
  let openFile = null;

  function init() {
    pager = new Dash.Pager([$("nodes-pager"), $("nodes-pager-bottom")], PAGE, () => Dash.app.kick());
    workersPager = new Dash.Pager($("node-workers-pager"), PAGE, () => Dash.app.kick());
    logsPager = new Dash.Pager($("node-logs-pager"), PAGE, () => Dash.app.kick());
    $("node-close").addEventListener("click", () => { window.location.hash = "#nodes"; });
    $("log-viewer-close").addEventListener("click", closeLog);
    $("log-viewer-reload").addEventListener("click", () => { if (openFile) loadLog(selected, openFile); });
  }

  function show(param) {
    const id = param || null;
    if (id !== selected) {
      workersPager.reset();
      logsPager.reset();
      closeLog();
      Dash.forget("node-workers");
      Dash.forget("node-logs");
      Dash.setRows($("node-workers").tBodies[0], []);
      Dash.setRows($("node-logs").tBodies[0], []);
    }
    selected = id;
    $("node-details").hidden = !id;
    if (id) $("node-details-title").textContent = "Node " + id;
    markSelected();
  }

  function hide() { selected = null; closeLog(); }

  async function refresh(signal) {
    const id = selected;
    const node = id ? "node_id=" + encodeURIComponent(id) + "&" : "";
    const [nodes, workers, logs] = await Promise.all([
      Dash.api.part("nodes", "api/v0/nodes?" + Dash.qs({limit: PAGE, offset: pager.offset}), signal, {state: true}),
      id && Dash.api.part("workers of node " + id,
        `api/v0/workers?${node}${Dash.qs({limit: PAGE, offset: workersPager.offset})}`, signal, {state: true}),
      id && Dash.api.part("log files of node " + id,
        `api/v0/logs?${node}${Dash.qs({limit: PAGE, offset: logsPager.offset})}`, signal, {state: true}),
    ]);
    if (nodes) renderNodes(nodes);
    if (id !== selected) return;
    if (workers) renderWorkers(workers);
    if (logs) renderLogs(id, logs);
  }

  function used(n, name) {
    const total = (n.resources_total || {})[name];
    if (total === undefined) return null;
    return total - ((n.resources_available || {})[name] ?? total);
  }

  function renderNodes({total, rows}) {
    pager.update(total, rows.length);
    if (!Dash.changed("nodes", rows)) return;
    Dash.setRows($("nodes-table").tBodies[0], rows.map((n) => {
      const rt = n.resources_total || {};
      return h("tr", {"data-node-id": n.node_id, "data-state": n.state,
        class: n.node_id === selected ? "selected" : null,
        onclick: () => { window.location.hash = "#nodes/" + encodeURIComponent(n.node_id); }},
      cell.id(n.node_id, 12), cell.state(n.state), cell.text(n.is_head_node ? "head" : ""), cell.text(n.node_ip),
      cell.text(n.hostname),
      cell.text(rt.CPU !== undefined ? `${fmt.num(used(n, "CPU"))} / ${fmt.num(rt.CPU)}` : null),
      cell.text(rt.memory !== undefined ? `${fmt.bytes(used(n, "memory"))} / ${fmt.bytes(rt.memory)}` : null),
      cell.text(`${fmt.bytes(n.object_store_used_bytes)} / ${fmt.bytes(n.object_store_total_bytes)}`),
      cell.text(fmt.time(n.start_time_ms)),
      cell.error(n.death_reason, n.node_id));
    }), $("nodes-empty"));
  }

  function markSelected() {
    for (const tr of $("nodes-table").tBodies[0].rows) {
      tr.classList.toggle("selected", !!selected && tr.dataset.nodeId === selected);
    }
  }

  function renderWorkers({total, rows}) {
    workersPager.update(total, rows.length);
    if (!Dash.changed("node-workers", rows)) return;
    Dash.setRows($("node-workers").tBodies[0], rows.map((w) => h("tr", {"data-worker-id": w.worker_id, "data-state": w.state},
      cell.id(w.worker_id), cell.num(w.pid), cell.text(w.kind), cell.state(w.state), cell.id(w.job_id, 8))),
    $("node-workers-empty"));
  }

  function renderLogs(id, {total, rows}) {
    logsPager.update(total, rows.length);
    if (!Dash.changed("node-logs", rows)) return;
    Dash.setRows($("node-logs").tBodies[0], rows.map((f) => h("tr", {"data-filename": f.filename,
      class: f.filename === openFile ? "selected" : null, onclick: () => loadLog(id, f.filename)},
    h("td", {class: "mono"}, f.filename), h("td", {class: "num"}, fmt.bytes(f.size_bytes)))), $("node-logs-empty"));
  }

  async function loadLog(id, filename) {
    openFile = filename;
    for (const tr of $("node-logs").tBodies[0].rows) tr.classList.toggle("selected", tr.dataset.filename === filename);
    $("log-viewer").hidden = false;
    $("log-viewer-title").textContent = filename;
    const pre = $("log-viewer-text");
    pre.textContent = "loading…";
    const path = "api/logs?" + Dash.qs({node_id: id, filename, tail_bytes: TAIL_BYTES});
    try {
      const text = await Dash.api.text(path);
      if (openFile !== filename || selected !== id) return;
      Dash.errors.clear("log file");
      pre.textContent = text || "(empty)";
      pre.scrollTop = pre.scrollHeight;
    } catch (e) {
      if (openFile !== filename) return;
      pre.textContent = "";
      if (e instanceof Dash.AuthRequired) Dash.auth.showForm();
      else Dash.errors.set("log file", `Loading log file ${filename} of node ${id} failed: ${e.message}`);
    }
  }

  function closeLog() {
    openFile = null;
    $("log-viewer").hidden = true;
    $("log-viewer-text").textContent = "";
  }

  Dash.pages = Dash.pages || {};
  Dash.pages.nodes = {init, show, hide, refresh};
})(window.Dash);
