// The placement groups page: one page of api/v0/placement_groups at a time.
"use strict";

(function (Dash) {
  const {h, $, cell, fmt} = Dash;
  const PAGE = 50;
  const BUNDLES_SHOWN = 4;
  let pager = null;

  function init() {
    pager = new Dash.Pager([$("pgs-pager"), $("pgs-pager-bottom")], PAGE, () => Dash.app.kick());
  }

  function bundleText(b) {
    const res = Object.entries(b.resources || {}).map(([k, v]) => `${k} ${fmt.num(v)}`).join(", ") || "{}";
    return b.node_id ? `${res} @ ${String(b.node_id).slice(0, 8)}…` : `${res} (unplaced)`;
  }

  // Identical bundles collapse into one line: "4 × CPU 1 @ 3f2a1b0c…".
  function bundlesCell(bundles) {
    const list = Array.isArray(bundles) ? bundles : [];
    const groups = new Map();
    for (const b of list) {
      const text = bundleText(b);
      groups.set(text, (groups.get(text) || 0) + 1);
    }
    const lines = [...groups.entries()].map(([text, n]) => h("div", {class: "bundle"}, n > 1 ? `${n} × ${text}` : text));
    const shown = lines.slice(0, BUNDLES_SHOWN);
    if (lines.length > BUNDLES_SHOWN) shown.push(h("div", {class: "muted"}, `+${lines.length - BUNDLES_SHOWN} more`));
    return h("td", {class: "bundles", title: `${list.length} bundle(s)`}, shown.length ? shown : "–");
  }

  async function refresh(signal) {
    const query = Dash.qs({limit: PAGE, offset: pager.offset});
    const reply = await Dash.api.part("placement groups", "api/v0/placement_groups?" + query, signal, {state: true});
    if (!reply) return;
    pager.update(reply.total, reply.rows.length);
    if (!Dash.changed("pgs", reply.rows)) return;
    const rows = reply.rows.map((p) => h("tr", {"data-placement-group-id": p.placement_group_id, "data-state": p.state},
      cell.id(p.placement_group_id), cell.text(p.name), cell.text(p.namespace), cell.state(p.state),
      cell.text(p.strategy), bundlesCell(p.bundles), cell.text(p.pending_reason)));
    Dash.setRows($("pgs-table").tBodies[0], rows, $("pgs-empty"));
  }

  Dash.pages = Dash.pages || {};
  Dash.pages["placement-groups"] = {init, refresh};
})(window.Dash);
