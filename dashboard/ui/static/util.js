// DOM and formatting helpers shared by every page.
//
// Server strings only ever reach the DOM as text nodes (h() turns string
// children into text nodes; attributes go through setAttribute), never as
// HTML, so nothing the cluster reports can inject markup.
//
//   const row = Dash.h("tr", {"data-state": actor.state},
//                      Dash.h("td", null, actor.class_name), Dash.cell.id(actor.actor_id));
"use strict";

window.Dash = window.Dash || {};

(function (Dash) {
  // h(tag, attrs, ...children): an element. attrs: {class, id, title, "data-x",
  // onclick: fn, ...}; null/false attributes are skipped. Children: nodes,
  // strings/numbers (as text), arrays of them, null/undefined (skipped).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [key, value] of Object.entries(attrs)) {
        if (value === null || value === undefined || value === false) continue;
        if (key.startsWith("on") && typeof value === "function") {
          el.addEventListener(key.slice(2), value);
        } else if (key === "class") {
          el.className = value;
        } else {
          el.setAttribute(key, value === true ? "" : String(value));
        }
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(el, child);
      else if (child instanceof Node) el.appendChild(child);
      else el.appendChild(document.createTextNode(String(child)));
    }
  }

  const $ = (id) => document.getElementById(id);

  // Replaces a table body's rows and shows `emptyEl` when there are none.
  function setRows(tbody, rows, emptyEl) {
    tbody.replaceChildren(...rows);
    if (emptyEl) emptyEl.hidden = rows.length > 0;
  }

  // Skips DOM work when a view's data is unchanged since its last render:
  // changed("actors", data) is true the first time and whenever data differs.
  const lastRendered = new Map();
  function changed(key, data) {
    const text = JSON.stringify(data);
    if (lastRendered.get(key) === text) return false;
    lastRendered.set(key, text);
    return true;
  }
  function forget(key) { lastRendered.delete(key); }

  // --- formatting

  function bytes(n) {
    if (n === null || n === undefined || Number.isNaN(Number(n))) return "–";
    n = Number(n);
    const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    // Three significant digits, trailing zeros dropped: "4 GiB", "1.5 GiB", "34.2 GiB".
    return (i === 0 ? String(Math.round(n)) : String(+n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2))) + " " + units[i];
  }

  // 2 -> "2", 0.5 -> "0.5", 1.23456 -> "1.23"
  function num(n) {
    if (n === null || n === undefined || Number.isNaN(Number(n))) return "–";
    n = Number(n);
    if (Number.isInteger(n)) return n.toLocaleString("en-US");
    return String(Math.round(n * 100) / 100);
  }

  // Axis labels: 950 -> "950", 12345 -> "12.3k", 2500000 -> "2.5M".
  function compact(n) {
    if (n === null || n === undefined || Number.isNaN(Number(n))) return "–";
    n = Number(n);
    const a = Math.abs(n);
    if (a >= 1e9) return +(n / 1e9).toFixed(1) + "G";
    if (a >= 1e6) return +(n / 1e6).toFixed(1) + "M";
    if (a >= 1e3) return +(n / 1e3).toFixed(a >= 1e5 ? 0 : 1) + "k";
    return num(n);
  }

  function time(ms) {
    if (!ms) return "–";
    const d = new Date(Number(ms));
    const now = new Date();
    const hms = d.toLocaleTimeString("en-GB", {hour12: false});
    if (d.toDateString() === now.toDateString()) return hms;
    return d.toLocaleDateString("en-CA") + " " + hms;
  }

  function duration(ms) {
    if (ms === null || ms === undefined || ms < 0 || Number.isNaN(ms)) return "–";
    const s = ms / 1000;
    if (s < 1) return Math.round(ms) + " ms";
    if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + "m " + Math.floor(s % 60) + "s";
    const hrs = Math.floor(m / 60);
    if (hrs < 24) return hrs + "h " + (m % 60) + "m";
    return Math.floor(hrs / 24) + "d " + (hrs % 24) + "h";
  }

  // Span from start to end (or to now while end is missing).
  function span(startMs, endMs) {
    if (!startMs) return "–";
    return duration((endMs || Date.now()) - startMs);
  }

  // --- cells

  const cell = {
    // A long hex id, shortened, the whole id in the title (and selectable via copy).
    id(value, n = 10) {
      if (!value) return h("td", {class: "muted"}, "–");
      const s = String(value);
      return h("td", {class: "mono", title: s}, s.length > n + 1 ? s.slice(0, n) + "…" : s);
    },
    text(value, cls) {
      const empty = value === null || value === undefined || value === "";
      return h("td", {class: empty ? "muted" : cls || null}, empty ? "–" : String(value));
    },
    num(value) { return h("td", {class: "num"}, num(value)); },
    state(value) { return h("td", null, badge(value)); },
    error: errorCell,
  };

  function badge(state) {
    const s = state ? String(state) : "UNKNOWN";
    return h("span", {class: "badge state-" + s.toLowerCase().replace(/[^a-z_]/g, "")}, s);
  }

  // Resource bar: used/total with a label; `fmt` formats both numbers.
  function bar(label, used, total, fmt = num) {
    const frac = total > 0 ? Math.min(1, Math.max(0, used / total)) : 0;
    const level = frac >= 0.9 ? "high" : frac >= 0.6 ? "mid" : "low";
    const fill = h("div", {class: "bar-fill " + level});
    fill.style.width = (frac * 100).toFixed(1) + "%";
    return h("div", {class: "bar-row", "data-resource": label},
      h("span", {class: "bar-label", title: label}, label),
      h("div", {class: "bar"}, fill),
      h("span", {class: "bar-value"}, fmt(used) + " / " + fmt(total)));
  }

  // --- pager

  // Prev/next paging of a list the server (or a client-side array) pages,
  // drawn into one or more containers (above and below a table).
  // onChange(offset) is called when the user moves; the owner re-fetches.
  class Pager {
    constructor(containers, pageSize, onChange) {
      this.containers = (Array.isArray(containers) ? containers : [containers]).filter(Boolean);
      this.pageSize = pageSize;
      this.onChange = onChange;
      this.offset = 0;
      this.total = 0;
      this.controls = this.containers.map((c) => {
        const ctl = {
          prev: h("button", {type: "button", class: "pager-prev", onclick: () => this.move(-1)}, "‹ Prev"),
          label: h("span", {class: "pager-label"}),
          next: h("button", {type: "button", class: "pager-next", onclick: () => this.move(1)}, "Next ›"),
        };
        c.replaceChildren(ctl.prev, ctl.label, ctl.next);
        c.hidden = true;
        return ctl;
      });
    }
    move(dir) {
      const offset = Math.max(0, this.offset + dir * this.pageSize);
      if (offset === this.offset || (dir > 0 && offset >= this.total)) return;
      this.offset = offset;
      this.onChange(offset);
    }
    reset() { this.offset = 0; }
    // Records the total the last reply reported; pulls the offset back when the
    // list shrank below it (e.g. rows deleted or a filter changed).
    update(total, shown) {
      this.total = total;
      if (this.offset > 0 && this.offset >= total) {
        this.offset = Math.max(0, Math.floor((total - 1) / this.pageSize) * this.pageSize);
        this.onChange(this.offset);
        return;
      }
      const first = total === 0 ? 0 : this.offset + 1;
      const last = this.offset + (shown === undefined ? Math.min(this.pageSize, total - this.offset) : shown);
      const single = total <= this.pageSize && this.offset === 0;
      this.controls.forEach((ctl, i) => {
        ctl.label.textContent = `${num(first)}–${num(last)} of ${num(total)}`;
        ctl.prev.disabled = this.offset === 0;
        ctl.next.disabled = this.offset + this.pageSize >= total;
        this.containers[i].hidden = single;
      });
    }
    // One page of a client-side array (sets the total too).
    slice(items) {
      const page = items.slice(this.offset, this.offset + this.pageSize);
      this.update(items.length, page.length);
      return page;
    }
  }

  // The line of an error text worth a table cell: for a Python traceback the
  // "ValueError: ..." line, else the first line.
  const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Died|Cancelled|Lost)\w*(:|$)/;
  function summaryLine(text) {
    const lines = String(text).split("\n").map((l) => l.trim()).filter(Boolean);
    if (lines.length <= 1) return lines[0] || "";
    for (let i = lines.length - 1; i >= 0; i--) if (EXCEPTION_LINE.test(lines[i])) return lines[i];
    return lines[0];
  }

  // Long error texts show one line; a click toggles the whole text. Which ones
  // are open survives re-renders (keyed by `key`, e.g. a task id).
  const expanded = new Set();
  function errorCell(text, key) {
    text = text ? String(text) : "";
    const short = summaryLine(text);
    const td = h("td", {class: "error-text" + (expanded.has(key) ? " expanded" : ""), title: text || null,
      onclick: (ev) => {
        ev.stopPropagation();
        if (!text) return;
        const open = !expanded.has(key);
        if (open) expanded.add(key); else expanded.delete(key);
        td.classList.toggle("expanded", open);
        td.textContent = open ? text : short;
      }}, expanded.has(key) ? text : short);
    return td;
  }

  // A button that acts on its second click within a few seconds (no blocking
  // confirm() dialog): the first click relabels it "Confirm ...?".
  function armedButton(btn, action) {
    const label = btn.textContent;
    let timer = null;
    btn.addEventListener("click", () => {
      if (!btn.classList.contains("armed")) {
        btn.classList.add("armed");
        btn.textContent = "Confirm " + label.toLowerCase() + "?";
        timer = setTimeout(disarm, 4000);
        return;
      }
      disarm();
      action();
    });
    function disarm() {
      clearTimeout(timer);
      btn.classList.remove("armed");
      btn.textContent = label;
    }
    return disarm;
  }

  function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") u.set(k, v);
    return u.toString();
  }

  Object.assign(Dash, {h, $, setRows, changed, forget, badge, bar, cell, Pager, armedButton, qs,
    fmt: {bytes, num, compact, time, duration, span}});
})(window.Dash);
