// The actors page: one page of api/v0/actors at a time, filtered by state.
"use strict";

(function (Dash) {
  const {h, $, cell} = Dash;
  const PAGE = 50;
  let pager = null;

  function init() {
    pager = new Dash.Pager([$("actors-pager"), $("actors-pager-bottom")], PAGE, () => Dash.app.kick());
    $("actors-state").addEventListener("change", () => { pager.reset(); Dash.app.kick(); });
  }

  async function refresh(signal) {
    const query = Dash.qs({limit: PAGE, offset: pager.offset, state: $("actors-state").value});
    const reply = await Dash.api.part("actors", "api/v0/actors?" + query, signal, {state: true});
    if (!reply) return;
    pager.update(reply.total, reply.rows.length);
    if (!Dash.changed("actors", reply.rows)) return;
    const rows = reply.rows.map((a) => h("tr", {"data-actor-id": a.actor_id, "data-state": a.state},
      cell.id(a.actor_id), cell.state(a.state), cell.text(a.class_name), cell.text(a.name),
      cell.id(a.node_id), cell.num(a.pid), cell.num(a.num_restarts),
      cell.error(a.death_cause, a.actor_id)));
    Dash.setRows($("actors-table").tBodies[0], rows, $("actors-empty"));
  }

  Dash.pages = Dash.pages || {};
  Dash.pages.actors = {init, refresh};
})(window.Dash);
