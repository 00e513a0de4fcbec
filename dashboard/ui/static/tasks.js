// The tasks page: counts by state and by function (api/v0/tasks/summarize),
// the newest failures, and one page of api/v0/tasks at a time.
"use strict";

(function (Dash) {
  const {h, $, cell, fmt} = Dash;
  const PAGE = 50;
  const FUNC_PAGE = 15;
  const STATES = ["PENDING", "SCHEDULED", "RUNNING", "FINISHED", "FAILED"];
  let pager = null;
  let funcPager = null;
  let funcs = [];
  let nameTimer = null;

  function init() {
    pager = new Dash.Pager([$("tasks-pager"), $("tasks-pager-bottom")], PAGE, () => Dash.app.kick());
    funcPager = new Dash.Pager($("tasks-by-func-pager"), FUNC_PAGE, () => renderFuncs());
    $("tasks-state").addEventListener("change", () => { pager.reset(); Dash.app.kick(); });
    $("tasks-name").addEventListener("input", () => {
      clearTimeout(nameTimer);
      nameTimer = setTimeout(() => { pager.reset(); Dash.app.kick(); }, 400);
    });
  }

  async function refresh(signal) {
    const query = Dash.qs({limit: PAGE, offset: pager.offset, state: $("tasks-state").value,
      name: $("tasks-name").value.trim()});
    const [summary, list] = await Promise.all([
      Dash.api.part("task summary", "api/v0/tasks/summarize", signal),
      Dash.api.part("tasks", "api/v0/tasks?" + query, signal, {state: true}),
    ]);
    if (summary) renderSummary(summary);
    if (list) renderList(list);
  }

  function renderSummary(reply) {
    const s = reply && reply.data && reply.data.result;
    if (!s) {
      Dash.errors.set("task summary", "Loading task summary failed: unexpected reply (no data.result)");
      return;
    }
    showDropped(s.num_dropped);
    if (!Dash.changed("tasks-summary", s)) return;
    const byState = s.by_state || {};
    const states = STATES.concat(Object.keys(byState).filter((k) => !STATES.includes(k)));
    $("tasks-by-state").replaceChildren(
      h("div", {class: "card", "data-state": "TOTAL"},
        h("div", {class: "card-label"}, "Total"), h("div", {class: "card-value"}, fmt.num(s.total ?? 0))),
      ...states.map((st) => h("div", {class: "card", "data-state": st},
        h("div", {class: "card-label"}, st.toLowerCase()),
        h("div", {class: "card-value state-text-" + st.toLowerCase()}, fmt.num(byState[st] || 0)))));

    funcs = Object.entries(s.by_func_name || {}).map(([name, counts]) => ({
      name, counts, total: Object.values(counts || {}).reduce((a, b) => a + (Number(b) || 0), 0),
    })).sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
    Dash.forget("tasks-funcs");
    renderFuncs();

    const failures = Array.isArray(s.recent_failures) ? s.recent_failures : [];
    Dash.setRows($("tasks-failures").tBodies[0], failures.map((f) => h("tr", {"data-task-id": f.task_id},
      cell.text(fmt.time(f.end_time_ms)), cell.text(f.name), cell.id(f.task_id),
      cell.error(f.error_message, "failure-" + f.task_id))), $("tasks-failures-empty"));
  }

  // The GCS keeps a bounded number of task events; say so when it dropped some.
  function showDropped(n) {
    if (n === undefined) return;
    const el = $("tasks-dropped");
    el.hidden = !(n > 0);
    el.textContent = n > 0 ? `${fmt.num(n)} task records were dropped by the GCS; counts may be low.` : "";
  }

  function renderFuncs() {
    const page = funcPager.slice(funcs);
    if (!Dash.changed("tasks-funcs", [funcPager.offset, page])) return;
    Dash.setRows($("tasks-by-func").tBodies[0], page.map((f) => h("tr", {"data-func": f.name},
      h("td", {class: "mono", title: f.name}, f.name), cell.num(f.total),
      ...STATES.map((st) => cell.num((f.counts || {})[st] || 0)))));
  }

  function renderList({total, rows, dropped}) {
    pager.update(total, rows.length);
    showDropped(dropped);
    // Running tasks' durations move, so those pages render every time.
    if (rows.some((t) => t.start_time_ms && !t.end_time_ms)) Dash.forget("tasks-list");
    else if (!Dash.changed("tasks-list", rows)) return;
    Dash.setRows($("tasks-table").tBodies[0], rows.map((t) => h("tr", {"data-task-id": t.task_id, "data-state": t.state},
      cell.id(t.task_id), cell.num(t.attempt_number), cell.text(t.name), cell.state(t.state), cell.id(t.job_id, 8),
      cell.id(t.node_id, 8), cell.text(fmt.time(t.creation_time_ms)),
      cell.text(t.start_time_ms ? fmt.span(t.start_time_ms, t.end_time_ms) : "–"),
      cell.error(t.error_message, t.task_id + "-" + t.attempt_number))), $("tasks-empty"));
  }

  Dash.pages = Dash.pages || {};
  Dash.pages.tasks = {init, refresh};
})(window.Dash);
