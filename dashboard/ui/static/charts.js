// Small time-series charts on top of the vendored uPlot (static/vendor/).
//
// A TimeChart owns one plot element; setData() may be called before the
// element is visible (the plot is built on the first call that finds the
// element laid out) and records the number of samples in the element's
// data-points attribute.
//
//   const cpu = new Dash.TimeChart(Dash.$("plot-cpu"), [
//     {label: "used", color: "#2563eb", fill: true}, {label: "total", color: "#94a3b8", dash: true}]);
//   cpu.setData(times_s, [used, total]);
"use strict";

(function (Dash) {
  const HEIGHT = 170;
  // Tick steps for byte axes: powers of two of each unit, so ticks land on
  // 256 MiB, 1 GiB, ... rather than 46.6 GiB.
  const BYTE_INCRS = [];
  for (let e = 0; e <= 60; e++) BYTE_INCRS.push(2 ** e);
  // Time ticks: whole seconds at least (samples may come every 0.5 s).
  const TIME_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

  // "14:05" or, over spans under 10 minutes, "14:05:30" (24-hour, local time).
  function clock(seconds, u) {
    const d = new Date(seconds * 1000);
    const pad = (n) => String(n).padStart(2, "0");
    const x = u.scales.x;
    const short = x.max - x.min < 600;
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + (short ? ":" + pad(d.getSeconds()) : "");
  }

  class TimeChart {
    // series: [{label, color, fill, dash}]; opts.format(value) labels the y axis
    // and legend (Dash.fmt.bytes gets power-of-two ticks).
    constructor(el, series, opts = {}) {
      this.el = el;
      this.series = series;
      this.format = opts.format || Dash.fmt.num;
      // The legend gives exact counts where the axis abbreviates them.
      this.legendFormat = opts.legendFormat || (this.format === Dash.fmt.compact ? Dash.fmt.num : this.format);
      this.plot = null;
      this.data = null;
      this.placeholder = Dash.h("div", {class: "plot-empty"}, "waiting for samples…");
      el.appendChild(this.placeholder);
      if (window.ResizeObserver) {
        new ResizeObserver(() => this.fit()).observe(el);
      }
    }

    // note: a text shown over the plot (e.g. "not reported"), or null.
    setData(xs, ys, note = null) {
      this.data = [xs, ...ys];
      this.el.dataset.points = String(xs.length);
      this.placeholder.textContent = xs.length === 0 ? "waiting for samples…" : note || "";
      this.placeholder.hidden = xs.length > 0 && !note;
      if (!this.plot) this.build();
      else this.plot.setData(this.data);
    }

    build() {
      const width = this.el.clientWidth;
      if (!width || !this.data || !window.uPlot) return;
      const fmt = this.format;
      // Away from the cursor the legend shows each series' newest value.
      const legendValue = (f) => (u, v, sidx, idx) => {
        if (idx === null || idx === undefined) {
          const col = u.data[sidx] || [];
          v = col.length ? col[col.length - 1] : null;
        }
        return v === null || v === undefined ? "–" : f(v);
      };
      const axis = {stroke: "#64748b", grid: {stroke: "#eef2f7", width: 1}, ticks: {stroke: "#e2e8f0", width: 1},
        font: "11px system-ui, 'DejaVu Sans', sans-serif"};
      const opts = {
        width, height: HEIGHT,
        padding: [8, 28, 0, 0],  // room on the right for the last time label
        cursor: {drag: {x: false, y: false}, points: {size: 6}},
        legend: {show: true, live: true},
        scales: {
          x: {time: true},
          y: {range: (u, min, max) => [0, max > 0 ? max * 1.12 : 1]},
        },
        axes: [
          Object.assign({}, axis, {incrs: TIME_INCRS, space: 60, values: (u, splits) => splits.map((v) => clock(v, u))}),
          Object.assign({}, axis, {
            values: (u, splits) => splits.map(fmt),
            size: (u, values) => 14 + 6.5 * Math.max(3, ...(values || []).map((v) => String(v).length)),
            incrs: this.format === Dash.fmt.bytes ? BYTE_INCRS : undefined,
          }),
        ],
        series: [
          {value: legendValue((v) => Dash.fmt.time(v * 1000))},
          ...this.series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 1.75,
            dash: s.dash ? [5, 4] : undefined,
            fill: s.fill ? s.color + "22" : undefined,
            points: {size: 4},
            value: legendValue(this.legendFormat),
          })),
        ],
      };
      this.plot = new window.uPlot(opts, this.data, this.el);
    }

    fit() {
      const width = this.el.clientWidth;
      if (!width) return;
      if (!this.plot) { this.build(); return; }
      if (Math.abs(this.plot.width - width) > 1) this.plot.setSize({width, height: HEIGHT});
    }
  }

  Dash.TimeChart = TimeChart;
})(window.Dash);
