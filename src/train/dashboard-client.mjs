// The dashboard's and the report's page script (a classic browser script, served as is and inlined
// into report.html). It draws the runs in `window.PCL_REPORT` (the report), or those the server sends
// over Server-Sent Events at ./events (the live dashboard: one "state", then "append" messages).
// window.pclDashboard exposes the state and a point count per chart, for tests.
(function () {
  "use strict";
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
  var CHARTS = [
    { key: "l1", title: "L1 loss (G)", from: "steps", value: function (s) { return s.terms && s.terms.l1 !== undefined ? s.terms.l1 : null; } },
    { key: "infoNce", title: "InfoNCE loss (G)", from: "steps", value: function (s) { return s.terms && s.terms.infoNce !== undefined ? s.terms.infoNce : null; } },
    { key: "discriminator", title: "E's loss (D)", from: "steps", value: function (s) { return s.discriminator; } },
    { key: "gradNorm", title: "G's gradient norm (before clipping)", from: "steps", value: function (s) { return s.gradNormGenerator; } },
    { key: "lr", title: "learning rate (G)", from: "steps", value: function (s) { return s.lrGenerator; } },
    { key: "psnr", title: "validation Y-PSNR (dB)", from: "validations", value: function (v) { return v.psnr; } },
    { key: "ssim", title: "validation SSIM", from: "validations", value: function (v) { return v.ssim; } },
  ];
  var KINDS = ["bicubic", "sr", "hr"];
  var KIND_LABELS = { bicubic: "bicubic", sr: "SR", hr: "HR" };
  var state = { runs: [] };
  var charts = {};
  var view = { run: 0, kind: 1 };

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (k === "text") e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  function fmt(x, d) { return x === null || x === undefined || Number.isNaN(x) ? "-" : Number(x).toFixed(d); }
  function duration(s) {
    if (s === null || s === undefined || !(s >= 0)) return "-";
    if (s >= 3600) return Math.floor(s / 3600) + "h" + String(Math.floor((s % 3600) / 60)).padStart(2, "0") + "m";
    if (s >= 60) return Math.floor(s / 60) + "m" + String(Math.floor(s % 60)).padStart(2, "0") + "s";
    return Math.floor(s) + "s";
  }
  /** Axis labels: 4 significant digits, exponents for the very small (learning rates) and large. */
  function axisNumber(v) {
    if (v === 0) return "0";
    return Math.abs(v) < 1e-2 || Math.abs(v) >= 1e5 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
  }
  function imgSrc(i, path) { return /^data:/.test(path) ? path : "runs/" + i + "/" + path.split("/").map(encodeURIComponent).join("/"); }
  function last(list) { return list.length ? list[list.length - 1] : null; }
  function target(run) { var seg = run.info && last(run.info.segments || []); return seg ? seg.toIteration : null; }

  /** x: every iteration any run logged; one series per run, null where it has no value. */
  function aligned(chart) {
    var xs = {};
    var per = state.runs.map(function (run) {
      var m = {};
      run[chart.from].forEach(function (p) { var y = chart.value(p); if (y !== null && y !== undefined && Number.isFinite(y)) { m[p.iteration] = y; xs[p.iteration] = true; } });
      return m;
    });
    var x = Object.keys(xs).map(Number).sort(function (a, b) { return a - b; });
    return [x].concat(per.map(function (m) { return x.map(function (i) { return m[i] === undefined ? null : m[i]; }); }));
  }
  function points(key) {
    var c = CHARTS.filter(function (c) { return c.key === key; })[0];
    return c ? aligned(c).slice(1).reduce(function (n, s) { return n + s.filter(function (y) { return y !== null; }).length; }, 0) : 0;
  }

  function buildCharts() {
    var box = document.getElementById("charts");
    box.innerHTML = "";
    charts = {};
    CHARTS.forEach(function (chart) {
      var data = aligned(chart);
      if (data[0].length === 0 && chart.key !== "psnr" && chart.key !== "l1") return;
      var holder = el("div", { class: "chart", id: "chart-" + chart.key });
      box.appendChild(holder);
      var width = Math.max(320, Math.min(560, (box.clientWidth || 1100) / 2 - 24));
      var opts = {
        title: chart.title, width: width, height: 240,
        scales: { x: { time: false } },
        axes: [{ label: "iteration" }, { size: 64, values: function (u, splits) { return splits.map(axisNumber); } }],
        series: [{ label: "iteration" }].concat(state.runs.map(function (run, i) {
          return { label: run.name, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true, points: { show: chart.from === "validations" } };
        })),
      };
      charts[chart.key] = { plot: new uPlot(opts, data, holder), chart: chart, holder: holder };
      holder.setAttribute("data-points", String(points(chart.key)));
    });
  }
  function updateCharts() {
    var missing = CHARTS.some(function (c) { return !charts[c.key] && aligned(c)[0].length > 0; });
    if (missing) { buildCharts(); return; }
    Object.keys(charts).forEach(function (k) {
      var c = charts[k];
      c.plot.setData(aligned(c.chart));
      c.holder.setAttribute("data-points", String(points(k)));
    });
  }

  function renderTable() {
    var head = ["run", "graph", "iteration", "it/s", "ETA", "best Y-PSNR", "SSIM", "NIQE", "at", "recipe", "backend", "command"];
    var rows = state.runs.map(function (run, i) {
      var step = last(run.steps), best = null;
      run.validations.forEach(function (v) { if (!best || v.psnr > best.psnr) best = v; });
      var seg = run.info && last(run.info.segments || []);
      var done = Math.max(step ? step.iteration : 0, last(run.validations) ? last(run.validations).iteration : 0);
      // Live: the last step's estimate, less the time since. A report: none (the run is over, or was stopped).
      var eta = state.live && step && step.etaSeconds !== null ? Math.max(0, step.etaSeconds - (Date.now() - step.time) / 1000) : null;
      if (target(run) !== null && done >= target(run)) eta = 0;
      var cells = [run.name, run.info ? run.info.graph : "-", done + (target(run) ? " / " + target(run) : ""), step ? fmt(step.itPerSec, 2) : "-", duration(eta),
        best ? fmt(best.psnr, 3) + " dB" : "-", best ? fmt(best.ssim, 4) : "-", best && best.niqe !== undefined ? fmt(best.niqe, 3) : "-", best ? String(best.iteration) : "-",
        run.info ? run.info.recipe : "-", seg ? seg.backend : "-", seg ? seg.command : "-"];
      var tr = el("tr", {}, cells.map(function (c, k) { return el("td", { text: c, class: k === 11 ? "command" : "" }); }));
      tr.firstChild.style.borderLeft = "4px solid " + COLORS[i % COLORS.length];
      return tr;
    });
    var table = el("table", { id: "runs" }, [el("thead", {}, [el("tr", {}, head.map(function (h) { return el("th", { text: h }); }))]), el("tbody", {}, rows)]);
    var box = document.getElementById("table");
    box.innerHTML = "";
    box.appendChild(table);
  }

  function renderCrops() {
    var box = document.getElementById("crops");
    var select = document.getElementById("crop-run");
    if (select.options.length !== state.runs.length) {
      select.innerHTML = "";
      state.runs.forEach(function (run, i) { select.appendChild(el("option", { value: String(i), text: run.name })); });
      select.value = String(view.run);
    }
    var run = state.runs[view.run];
    var v = run && last(run.validations.filter(function (v) { return v.crops && v.crops.length; }));
    document.getElementById("crop-label").textContent = v ? "iteration " + v.iteration + ": " + KIND_LABELS[KINDS[view.kind]] : "no validation crops yet";
    box.innerHTML = "";
    if (!v) return;
    v.crops.forEach(function (c) {
      var img = el("img", { src: imgSrc(view.run, c[KINDS[view.kind]]), alt: c.name + " " + KINDS[view.kind], title: c.name, class: "crop" });
      box.appendChild(el("figure", {}, [img, el("figcaption", { text: c.name })]));
    });
  }

  function renderGallery() {
    var box = document.getElementById("gallery");
    if (!box) return;
    box.innerHTML = "";
    state.runs.forEach(function (run, i) {
      (run.gallery || []).forEach(function (g) {
        box.appendChild(el("h3", { text: run.name + ": iteration " + g.iteration + (g.label ? " (" + g.label + ")" : "") + ", bicubic | SR | HR" }));
        g.crops.forEach(function (c) { box.appendChild(el("figure", {}, [el("img", { src: imgSrc(i, c.strip), alt: c.name, class: "strip" }), el("figcaption", { text: c.name })])); });
      });
    });
  }

  function render() {
    renderTable();
    updateCharts();
    renderCrops();
    document.getElementById("updated").textContent = (state.live ? "live, updated " : "written ") + new Date(state.live ? Date.now() : state.written).toLocaleString();
  }

  document.getElementById("crop-kind").addEventListener("input", function (e) { view.kind = Number(e.target.value); renderCrops(); });
  document.getElementById("crop-run").addEventListener("change", function (e) { view.run = Number(e.target.value); renderCrops(); });

  window.pclDashboard = { state: state, points: points };
  if (window.PCL_REPORT) {
    state.runs = window.PCL_REPORT.runs;
    state.written = window.PCL_REPORT.written;
    buildCharts();
    render();
    renderGallery();
    return;
  }
  state.live = true;
  var source = new EventSource("events");
  source.addEventListener("state", function (e) {
    state.runs = JSON.parse(e.data).runs;
    buildCharts();
    render();
  });
  source.addEventListener("append", function (e) {
    var d = JSON.parse(e.data), run = state.runs[d.run];
    if (!run) return;
    if (d.info) run.info = d.info;
    run.steps = run.steps.concat(d.steps);
    run.validations = run.validations.concat(d.validations);
    render();
  });
  source.onerror = function () { document.getElementById("updated").textContent = "disconnected from the training process (retrying)"; };
})();
