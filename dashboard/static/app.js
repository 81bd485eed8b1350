// The dashboard page: it keeps the runs the server streams and redraws
// the charts and tables from them. Every name is written as text
// (textContent), never as HTML.
"use strict";
window.addEventListener("error", (e) => { window.lastError = String(e.message); });

const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const runs = new Map();
const selected = new Set();
const charts = new Map();
let source = null;
let scheduled = false;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

function color(run) { return palette[run.id % palette.length]; }

function fmt(v) {
  if (v === null || v === undefined) return "–";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return v.toFixed(4);
}

function seconds(s) {
  if (s === null || s === undefined) return "";
  s = Math.round(s);
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return `${s}s`;
}

function setRun(r) {
  const had = runs.has(r.id);
  runs.set(r.id, r);
  if (!had) selected.add(r.id);
}

// remap reorders a run's batch rows when the server adds a key.
function remap(run, keys) {
  const pos = keys.map((k) => run.batch_keys.indexOf(k));
  run.batches = run.batches.map((b) => [b[0], b[1], b[2], ...pos.map((p) => (p < 0 ? null : b[3 + p]))]);
  run.batch_keys = keys;
}

function onSnapshot(ev) {
  const data = JSON.parse(ev.data);
  runs.clear();
  for (const r of data.runs) setRun(r);
  schedule();
}

function onRun(ev) {
  setRun(JSON.parse(ev.data));
  schedule();
}

function resync() {
  // An update was missed: reconnect for the whole state.
  connect();
}

function onBatch(ev) {
  const b = JSON.parse(ev.data);
  const r = runs.get(b.run);
  if (!r) return resync();
  if (b.index < r.batches.length) return;
  if (b.index > r.batches.length) return resync();
  if (b.keys.join("\u0000") !== r.batch_keys.join("\u0000")) remap(r, b.keys);
  r.batches.push(b.batch);
  r.params.steps = b.steps || r.params.steps;
  r.eta = b.eta;
  r.epoch = b.batch[0];
  schedule();
}

function onEpoch(ev) {
  const e = JSON.parse(ev.data);
  const r = runs.get(e.run);
  if (!r) return resync();
  if (e.index < r.epochs.length) return;
  if (e.index > r.epochs.length) return resync();
  r.epochs.push(e.record);
  schedule();
}

function connect() {
  if (source) source.close();
  source = new EventSource("/api/events");
  const conn = document.getElementById("conn");
  source.onopen = () => { conn.textContent = "live"; };
  source.onerror = () => { conn.textContent = "disconnected; retrying…"; };
  source.addEventListener("snapshot", onSnapshot);
  source.addEventListener("run", onRun);
  source.addEventListener("batch", onBatch);
  source.addEventListener("epoch", onEpoch);
}

function schedule() {
  if (scheduled) return;
  scheduled = true;
  setTimeout(() => { scheduled = false; render(); }, 150);
}

function shown() {
  return [...runs.values()].filter((r) => selected.has(r.id)).sort((a, b) => a.id - b.id);
}

const lrKeys = new Set(["learning_rate", "lr"]);

function order(keys) {
  return [...keys].sort((a, b) => (a === "loss" ? -1 : b === "loss" ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

// epochBases lists the metric names of the shown runs' epochs, val_
// twins folded into their training metric.
function epochBases(rs) {
  const s = new Set();
  for (const r of rs) for (const e of r.epochs) for (const k of Object.keys(e.logs)) {
    if (!lrKeys.has(k)) s.add(k.startsWith("val_") ? k.slice(4) : k);
  }
  return order(s);
}

function hasKey(r, k) { return r.epochs.some((e) => k in e.logs); }

function epochChart(rs, base) {
  const tables = [];
  const series = [];
  for (const r of rs) {
    for (const k of [base, "val_" + base]) {
      if (!hasKey(r, k)) continue;
      const xs = r.epochs.map((e) => e.epoch + 1);
      const ys = r.epochs.map((e) => (k in e.logs ? e.logs[k] : null));
      tables.push([xs, ys]);
      series.push({ label: `${r.name} ${k}`, stroke: color(r), dash: k === base ? [] : [6, 4], width: 1.5, spanGaps: true, value: (u, v) => fmt(v) });
    }
  }
  return { tables, series, xlabel: "epoch" };
}

function batchX(r) {
  const steps = r.params.steps;
  return r.batches.map((b, i) => (steps ? b[0] + (b[1] + 1) / steps : i + 1));
}

function batchChart(rs, key) {
  const tables = [];
  const series = [];
  for (const r of rs) {
    const p = r.batch_keys.indexOf(key);
    if (p < 0 || r.batches.length === 0) continue;
    tables.push([batchX(r), r.batches.map((b) => b[3 + p])]);
    series.push({ label: `${r.name} ${key}`, stroke: color(r), width: 1, spanGaps: true, points: { show: false }, value: (u, v) => fmt(v) });
  }
  return { tables, series, xlabel: "epoch (batches)" };
}

function lrBatchChart(rs) {
  const tables = [];
  const series = [];
  for (const r of rs) {
    if (r.batches.length === 0) continue;
    tables.push([batchX(r), r.batches.map((b) => b[2])]);
    series.push({ label: `${r.name} learning rate`, stroke: color(r), width: 1, spanGaps: true, points: { show: false }, value: (u, v) => (v === null ? "–" : String(v)) });
  }
  return { tables, series, xlabel: "epoch (batches)" };
}

function lrEpochChart(rs) {
  const tables = [];
  const series = [];
  for (const r of rs) {
    if (!r.epochs.some((e) => e.lr !== undefined)) continue;
    tables.push([r.epochs.map((e) => e.epoch + 1), r.epochs.map((e) => (e.lr === undefined ? null : e.lr))]);
    series.push({ label: `${r.name} learning rate`, stroke: color(r), width: 1.5, spanGaps: true, value: (u, v) => (v === null ? "–" : String(v)) });
  }
  return { tables, series, xlabel: "epoch" };
}

function drawChart(parent, id, title, spec, seen) {
  if (spec.series.length === 0) return;
  seen.add(id);
  const data = spec.tables.length === 1 ? spec.tables[0] : uPlot.join(spec.tables);
  const sig = spec.series.map((s) => s.label).join("\u0000");
  let c = charts.get(id);
  const width = Math.max(300, (parent.clientWidth || 900) / (parent.clientWidth > 900 ? 2 : 1) - 24);
  if (c && c.sig !== sig) {
    c.u.destroy();
    c.box.remove();
    c = null;
  }
  if (!c) {
    const box = el("div", { class: "chart", "data-chart": id });
    parent.append(box);
    const u = new uPlot({
      title, width, height: 240,
      scales: { x: { time: false } },
      legend: { live: false },
      axes: [spec.xlabel === "epoch" ? { label: spec.xlabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] } : { label: spec.xlabel }, {}],
      series: [{ label: spec.xlabel, value: (u, v) => (v === null ? "–" : String(+v.toFixed(3))) }, ...spec.series],
    }, data, box);
    c = { u, sig, box };
    charts.set(id, c);
  } else {
    c.u.setData(data);
  }
  const xs = data[0];
  c.box.setAttribute("data-points", String(xs.length));
  c.box.setAttribute("data-last-x", xs.length ? String(xs[xs.length - 1]) : "");
}

function renderRuns() {
  const ul = document.getElementById("runs");
  ul.replaceChildren();
  for (const r of [...runs.values()].sort((a, b) => a.id - b.id)) {
    const box = el("input", { type: "checkbox", checked: selected.has(r.id) });
    box.addEventListener("change", () => {
      if (box.checked) selected.add(r.id); else selected.delete(r.id);
      render();
    });
    const sw = el("span", { class: "swatch" });
    sw.style.background = color(r);
    ul.append(el("li", { "data-run": String(r.id) }, el("label", {}, box, sw, r.name, el("span", { class: "status" }, r.status + (r.source !== "fit" ? " (file)" : "")))));
  }
}

function renderProgress(rs) {
  const div = document.getElementById("progress");
  div.replaceChildren();
  for (const r of rs) {
    if (r.status !== "running" && r.status !== "failed") continue;
    const parts = [`${r.name}: epoch ${r.epoch + 1}/${r.params.epochs || "?"}`];
    const last = r.batches[r.batches.length - 1];
    if (last && last[0] === r.epoch) {
      parts.push(`step ${last[1] + 1}/${r.params.steps || "?"}`);
      if (r.eta !== undefined && r.eta !== null) parts.push(`ETA ${seconds(r.eta)}`);
      r.batch_keys.forEach((k, i) => parts.push(`${k}: ${fmt(last[3 + i])}`));
      if (last[2] !== null) parts.push(`learning rate: ${last[2]}`);
    }
    if (r.error) parts.push(`error: ${r.error}`);
    div.append(el("div", { "data-run": String(r.id) }, parts.join(" · ")));
  }
}

function renderTable(rs) {
  const table = document.getElementById("epochs");
  table.replaceChildren();
  const keys = new Set();
  for (const r of rs) for (const e of r.epochs) for (const k of Object.keys(e.logs)) keys.add(k);
  const cols = order(keys);
  const hasLR = rs.some((r) => r.epochs.some((e) => e.lr !== undefined));
  const hasSec = rs.some((r) => r.epochs.some((e) => e.seconds !== undefined));
  const head = el("tr", {}, el("th", {}, "run"), el("th", {}, "epoch"), ...cols.map((k) => el("th", {}, k)));
  if (hasLR) head.append(el("th", {}, "learning rate"));
  if (hasSec) head.append(el("th", {}, "seconds"));
  table.append(head);
  for (const r of rs) {
    for (const e of r.epochs) {
      const tr = el("tr", { "data-run": String(r.id), "data-epoch": String(e.epoch) }, el("td", {}, r.name), el("td", {}, String(e.epoch + 1)));
      for (const k of cols) {
        const v = k in e.logs ? e.logs[k] : null;
        tr.append(el("td", { "data-key": k, "data-value": v === null ? "" : String(v) }, k in e.logs ? fmt(v) : ""));
      }
      if (hasLR) tr.append(el("td", { "data-key": "learning rate" }, e.lr === undefined ? "" : String(e.lr)));
      if (hasSec) tr.append(el("td", { "data-key": "seconds" }, e.seconds === undefined ? "" : e.seconds.toFixed(2)));
      table.append(tr);
    }
  }
}

function renderResults(rs) {
  const div = document.getElementById("results");
  div.replaceChildren();
  for (const r of rs) {
    const res = r.result;
    if (!res) continue;
    const names = res.class_names;
    const sec = el("div", { "data-run": String(r.id), class: "result" });
    sec.append(el("h3", {}, `${r.name}: accuracy ${fmt(res.accuracy)}`));
    const t = el("table", { class: "confusion" });
    t.append(el("tr", {}, el("th", {}, "true \\ predicted"), ...names.map((n) => el("th", {}, n))));
    res.confusion.forEach((row, i) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const tr = el("tr", {}, el("th", {}, names[i]));
      row.forEach((n) => {
        const td = el("td", {}, String(n));
        const a = n / total;
        td.style.background = `rgba(31, 119, 180, ${a.toFixed(3)})`;
        if (a > 0.5) td.style.color = "#fff";
        tr.append(td);
      });
      t.append(tr);
    });
    sec.append(el("div", { class: "scroll" }, t));
    const samples = el("div", { class: "samples" });
    for (const s of res.samples) {
      const box = el("div", { class: "sample" + (s.label === s.predicted ? "" : " wrong") });
      if (s.image) box.append(el("img", { src: s.image, alt: `example ${s.index}` }));
      const conf = s.confidence === undefined ? "" : ` (${(100 * s.confidence).toFixed(0)}%)`;
      box.append(el("div", {}, `true: ${names[s.label]}`), el("div", {}, `predicted: ${names[s.predicted]}${conf}`));
      samples.append(box);
    }
    sec.append(samples);
    div.append(sec);
  }
  if (!div.firstChild) div.append(el("p", { class: "empty" }, "The confusion matrix and sample predictions show here when a classification run ends."));
}

function renderSummaries(rs) {
  const div = document.getElementById("summaries");
  div.replaceChildren();
  for (const r of rs) {
    if (!r.summary) continue;
    div.append(el("details", { open: true }, el("summary", {}, r.name), el("pre", {}, r.summary)));
  }
}

function render() {
  const rs = shown();
  renderRuns();
  renderProgress(rs);
  const seen = new Set();
  const ec = document.getElementById("epoch-charts");
  for (const b of epochBases(rs)) drawChart(ec, "epoch:" + b, b, epochChart(rs, b), seen);
  drawChart(ec, "epoch:learning_rate", "learning rate", lrEpochChart(rs), seen);
  const bc = document.getElementById("batch-charts");
  const bkeys = new Set();
  for (const r of rs) for (const k of r.batch_keys) bkeys.add(k);
  for (const k of order(bkeys)) drawChart(bc, "batch:" + k, k + " (per batch)", batchChart(rs, k), seen);
  drawChart(bc, "batch:learning_rate", "learning rate (per batch)", lrBatchChart(rs), seen);
  for (const [id, c] of [...charts]) {
    if (seen.has(id) && document.body.contains(c.box)) continue;
    c.u.destroy();
    c.box.remove();
    charts.delete(id);
  }
  renderTable(rs);
  renderResults(rs);
  renderSummaries(rs);
  document.body.setAttribute("data-rendered", String(Date.now()));
}

connect();
