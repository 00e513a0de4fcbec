// The jobs page: GET api/jobs/ as a table (paged here: the server sends the
// whole list), and #jobs/<id> for one job's details, its live log, and Stop
// and Delete.
"use strict";

(function (Dash) {
  const {h, $, fmt, cell} = Dash;
  const PAGE = 50;
  const TERMINAL = new Set(["STOPPED", "SUCCEEDED", "FAILED"]);

  let pager = null;
  let follower = null;
  let selected = null;   // the id in #jobs/<id>
  let job = null;        // its last JobDetails
  let jobs = [];

  const jobKey = (j) => j.submission_id || j.job_id;

  function init() {
    pager = new Dash.Pager([$("jobs-pager"), $("jobs-pager-bottom")], PAGE, () => renderTable());
    follower = new Dash.LogFollower($("job-logs"), $("job-logs-state"), () => !job || TERMINAL.has(job.status));
    Dash.armedButton($("job-stop"), stopJob);
    Dash.armedButton($("job-delete"), deleteJob);
    $("job-close").addEventListener("click", () => { window.location.hash = "#jobs"; });
  }

  function show(param) {
    const id = param || null;
    if (id !== selected) {
      follower.stop();
      job = null;
      Dash.forget("job-details");
      $("job-logs").textContent = "";
      $("job-logs-state").textContent = "";
      $("job-note").textContent = "";
    }
    selected = id;
    $("job-details").hidden = !id;
    if (id) $("job-details-title").textContent = "Job " + id;
    markSelected();
  }

  function hide() {
    follower.stop();
    selected = null;
    job = null;
  }

  async function refresh(signal) {
    const parts = [Dash.api.part("jobs", "api/jobs/", signal)];
    const id = selected;
    if (id) parts.push(Dash.api.part("job " + id, "api/jobs/" + encodeURIComponent(id), signal));
    const [list, details] = await Promise.all(parts);
    if (Array.isArray(list)) {
      jobs = list.slice().sort((a, b) => (b.start_time || 0) - (a.start_time || 0));
      renderTable();
    } else if (list !== undefined) {
      Dash.errors.set("jobs", "Loading jobs failed: GET api/jobs/ did not return a list");
    }
    if (id && id === selected && details) renderDetails(details);
  }

  function renderTable() {
    const page = pager.slice(jobs);
    // Durations of running jobs change every refresh, so no changed() skip here;
    // a page is at most PAGE rows.
    const rows = page.map((j) => h("tr", {
      "data-submission-id": j.submission_id || "", "data-job-id": j.job_id || "", "data-status": j.status,
      class: jobKey(j) === selected ? "selected" : null,
      onclick: () => { window.location.hash = "#jobs/" + encodeURIComponent(jobKey(j)); },
    },
    cell.id(j.submission_id, 28), cell.id(j.job_id), cell.text(j.type), cell.state(j.status),
    cell.text(fmt.time(j.start_time)), cell.text(fmt.span(j.start_time, j.end_time)),
    h("td", {class: "mono entrypoint", title: j.entrypoint || ""}, j.entrypoint || "")));
    Dash.setRows($("jobs-table").tBodies[0], rows, $("jobs-empty"));
  }

  function markSelected() {
    for (const tr of $("jobs-table").tBodies[0].rows) {
      tr.classList.toggle("selected", !!selected &&
        (tr.dataset.submissionId === selected || tr.dataset.jobId === selected));
    }
  }

  function renderDetails(j) {
    job = j;
    const terminal = TERMINAL.has(j.status);
    const submission = j.type !== "DRIVER";
    $("job-stop").disabled = terminal || !submission;
    $("job-delete").disabled = !terminal || !submission;
    if (Dash.changed("job-details", j)) {
      const info = j.driver_info ? `${j.driver_info.node_ip_address || "?"} pid ${j.driver_info.pid ?? "?"}` : null;
      const fields = [
        ["Status", Dash.badge(j.status)],
        ["Type", j.type],
        ["Submission id", j.submission_id],
        ["Job id", j.job_id],
        ["Entrypoint", h("code", {class: "pre"}, j.entrypoint || "")],
        ["Message", j.message],
        ["Error type", j.error_type],
        ["Started", fmt.time(j.start_time)],
        ["Ended", j.end_time ? fmt.time(j.end_time) : null],
        ["Duration", fmt.span(j.start_time, j.end_time)],
        ["Driver", info],
        ["Driver node", j.driver_node_id],
        ["Driver exit code", j.driver_exit_code],
        ["Metadata", objectText(j.metadata)],
        ["Runtime env", objectText(j.runtime_env)],
      ].filter(([, v]) => v !== null && v !== undefined && v !== "");
      $("job-fields").replaceChildren(...fields.flatMap(([k, v]) => [h("dt", null, k),
        h("dd", {"data-field": k.toLowerCase().replace(/ /g, "-")}, v)]));
      $("job-details").dataset.status = j.status;
    }
    if (!submission) {
      $("job-logs-state").textContent = "driver jobs started outside the job API log to their node's log files";
    } else if (follower.id !== selected) {
      follower.start(selected);
    }
  }

  function objectText(o) {
    if (!o || typeof o !== "object" || Object.keys(o).length === 0) return null;
    return h("code", {class: "pre"}, JSON.stringify(o, null, 1).replace(/\n\s*/g, " "));
  }

  async function action(label, method, path, note) {
    const id = selected;
    try {
      const reply = await Dash.api.send(method, path);
      Dash.errors.clear("job action");
      $("job-note").textContent = note(reply);
      return reply;
    } catch (e) {
      if (e instanceof Dash.AuthRequired) Dash.auth.showForm();
      else Dash.errors.set("job action", `${label} job ${id} failed: ${e.message}`);
      return null;
    } finally {
      Dash.app.kick();
    }
  }

  function stopJob() {
    if (!selected) return;
    action("Stopping", "POST", `api/jobs/${encodeURIComponent(selected)}/stop`,
      (r) => (r.stopped ? "stop requested" : "already ended"));
  }

  async function deleteJob() {
    if (!selected) return;
    const reply = await action("Deleting", "DELETE", `api/jobs/${encodeURIComponent(selected)}`,
      (r) => (r.deleted ? "deleted" : "not deleted"));
    if (reply && reply.deleted) window.location.hash = "#jobs";
  }

  function onAuthenticated() { if (follower) follower.resume(); }

  Dash.pages = Dash.pages || {};
  Dash.pages.jobs = {init, show, hide, refresh, onAuthenticated};
})(window.Dash);
