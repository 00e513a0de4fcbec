// The overview page: node counts, cluster totals, the last 30 minutes of
// api/cluster_metrics as charts, and per-node resource bars.
"use strict";

(function (Dash) {
  const {h, $, fmt} = Dash;
  const NODES_FETCHED = 1000;  // enough to count a large cluster; bars are paged client-side
  const NODES_PER_PAGE = 12;

  // Resources that are bookkeeping rather than capacity: node:<ip> markers and
  // placement-group bundle resources (CPU_group_<id>, ...).
  const hidden = (name) => name.startsWith("node:") || name.includes("_group_");
  const byteResources = new Set(["memory", "object_store_memory"]);
  const resourceOrder = (name) => ({CPU: 0, GPU: 1, memory: 2, object_store_memory: 3})[name] ?? 4;

  let charts = null;
  let pager = null;
  let nodes = [];

  function init() {
    charts = {
      cpu: new Dash.TimeChart($("plot-cpu"), [
        {label: "used", color: "#2563eb", fill: true}, {label: "total", color: "#94a3b8", dash: true}],
      {format: fmt.compact}),
      memory: new Dash.TimeChart($("plot-memory"), [
        {label: "used", color: "#7c3aed", fill: true}, {label: "total", color: "#94a3b8", dash: true}],
      {format: fmt.bytes}),
      store: new Dash.TimeChart($("plot-object-store"), [
        {label: "used", color: "#0d9488", fill: true}, {label: "total", color: "#94a3b8", dash: true}],
      {format: fmt.bytes}),
      tasks: new Dash.TimeChart($("plot-tasks"), [
        {label: "pending", color: "#d97706"}, {label: "scheduled", color: "#a16207", dash: true},
        {label: "running", color: "#2563eb"},
        {label: "finished", color: "#16a34a"}, {label: "failed", color: "#dc2626"}], {format: fmt.compact}),
      demand: new Dash.TimeChart($("plot-demand"), [{label: "queued", color: "#d97706", fill: true}],
        {format: fmt.compact}),
    };
    pager = new Dash.Pager($("node-resources-pager"), NODES_PER_PAGE, () => renderNodes());
  }

  async function refresh(signal) {
    const [nodeReply, metrics, autoscaler] = await Promise.all([
      Dash.api.part("nodes", `api/v0/nodes?limit=${NODES_FETCHED}`, signal, {state: true}),
      Dash.api.part("cluster metrics", "api/cluster_metrics", signal),
      Dash.api.part("autoscaler", "api/autoscaler", signal),
    ]);
    if (nodeReply) renderNodeCounts(nodeReply);
    if (metrics) renderMetrics(metrics);
    if (autoscaler) renderAutoscaler(autoscaler);
  }

  function renderNodeCounts({total, rows}) {
    const alive = rows.filter((n) => n.state === "ALIVE").length;
    const more = total > rows.length ? "+" : "";
    $("nodes-alive").textContent = fmt.num(alive) + more;
    $("nodes-dead").textContent = fmt.num(rows.length - alive) + more;
    $("nodes-dead").classList.toggle("bad", rows.length - alive > 0);
    nodes = rows.filter((n) => n.state === "ALIVE")
      .sort((a, b) => (b.is_head_node ? 1 : 0) - (a.is_head_node ? 1 : 0));
    renderNodes();
  }

  function renderNodes() {
    const page = pager.slice(nodes);
    if (!Dash.changed("overview-nodes", page)) return;
    const cards = page.map((n) => {
      const total = n.resources_total || {};
      const avail = n.resources_available || {};
      const names = Object.keys(total).filter((k) => !hidden(k) && k !== "object_store_memory" && total[k] > 0)
        .sort((a, b) => resourceOrder(a) - resourceOrder(b) || a.localeCompare(b));
      const bars = names.map((k) => Dash.bar(k, total[k] - (avail[k] ?? total[k]), total[k],
        byteResources.has(k) ? fmt.bytes : fmt.num));
      bars.push(Dash.bar("object store", n.object_store_used_bytes || 0, n.object_store_total_bytes || 0, fmt.bytes));
      return h("div", {class: "node-card", "data-node-id": n.node_id},
        h("div", {class: "node-card-head"},
          h("a", {class: "mono", href: "#nodes/" + encodeURIComponent(n.node_id), title: n.node_id},
            String(n.node_id).slice(0, 12) + "…"),
          h("span", {class: "muted"}, n.node_ip || ""),
          n.is_head_node ? h("span", {class: "badge head"}, "head") : null),
        bars);
    });
    $("node-resources").replaceChildren(...(cards.length ? cards : [h("div", {class: "empty"}, "No alive nodes.")]));
  }

  function renderMetrics(m) {
    const samples = Array.isArray(m.samples) ? m.samples : [];
    const xs = samples.map((s) => s.t / 1000);
    const col = (f) => samples.map((s) => { const v = f(s); return typeof v === "number" ? v : null; });
    const task = (state) => col((s) => (s.tasks || {})[state] ?? 0);
    charts.cpu.setData(xs, [col((s) => s.cpu_used), col((s) => s.cpu_total)]);
    const memoryKnown = samples.some((s) => s.memory_total_bytes > 0);
    charts.memory.setData(xs, [col((s) => s.memory_used_bytes), col((s) => s.memory_total_bytes)],
      memoryKnown ? null : "the nodes report no memory figures");
    charts.store.setData(xs, [col((s) => s.object_store_used_bytes), col((s) => s.object_store_total_bytes)]);
    charts.tasks.setData(xs, [task("PENDING"), task("SCHEDULED"), task("RUNNING"), task("FINISHED"), task("FAILED")]);
    charts.demand.setData(xs, [col((s) => s.queued_demand)]);

    const last = samples[samples.length - 1];
    if (!last) return;
    usedOfTotal("summary-cpu", fmt.num(last.cpu_used), fmt.num(last.cpu_total));
    if (last.memory_total_bytes > 0) {
      usedOfTotal("summary-memory", fmt.bytes(last.memory_used_bytes), fmt.bytes(last.memory_total_bytes));
    } else {
      $("summary-memory").replaceChildren(h("span", {class: "card-sub"}, "not reported"));
    }
    usedOfTotal("summary-object-store", fmt.bytes(last.object_store_used_bytes), fmt.bytes(last.object_store_total_bytes));
    $("summary-demand").textContent = fmt.num(last.queued_demand);
  }

  // The autoscaler's last report: its nodes by state, launches in flight,
  // infeasible demand and recent decisions (all text, never HTML).
  function renderAutoscaler(r) {
    const panel = $("autoscaler-panel");
    if (!r.running) {
      panel.replaceChildren(h("p", {class: "card-sub"}, "not running (photon start --head --autoscaling-config FILE)"));
      return;
    }
    const byState = {};
    for (const i of r.instances || []) (byState[i.state] = byState[i.state] || []).push(`${i.id} (${i.node_type})`);
    const rows = Object.entries(byState).map(([state, ids]) => h("li", null, `${state}: ${ids.join(", ")}`));
    const infeasible = (r.infeasible || []).map((f) => h("li", {class: "bad"}, `${f.count} x ${JSON.stringify(f.shape)}: ${f.reason}`));
    const recent = (r.recent_decisions || []).slice(-8).map((d) => h("li", null, d));
    panel.replaceChildren(
      h("p", null, `Launches in flight: ${r.launches_in_flight || 0}; failed launches: ${r.failed_launches || 0}`),
      h("ul", {id: "autoscaler-instances"}, ...rows),
      h("h3", null, "Infeasible demand"), h("ul", {id: "autoscaler-infeasible"}, ...(infeasible.length ? infeasible : [h("li", null, "none")])),
      h("h3", null, "Recent decisions"), h("ul", {id: "autoscaler-decisions"}, ...recent));
  }

  function usedOfTotal(id, used, total) {
    $(id).replaceChildren(h("span", null, used), h("span", {class: "card-sub"}, " / " + total));
  }

  function show() {
    // Charts built while the page was hidden had no width; fit them now.
    if (charts) Object.values(charts).forEach((c) => c.fit());
  }

  Dash.pages = Dash.pages || {};
  Dash.pages.overview = {init, refresh, show};
})(window.Dash);
