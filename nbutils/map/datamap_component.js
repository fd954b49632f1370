// The data map in the browser: one component for the shareable page (figures/datamap.html) and the live JupyterLab
// map (an anywidget). It draws the points, turns threshold sliders into regions and colours as they move, and shows the
// counts table; the threshold rule below mirrors nbutils/map/regions.py (region_codes), and a test holds the two equal.
// Plotly (a global, loaded before) draws the axes, hover, zoom and lasso over invisible markers; the coloured points are
// painted on a canvas under its transparent plot area, so a recolour repaints the canvas, not the plot.

export const BOUNDS = ["easy_min_confidence", "easy_max_variability", "hard_max_confidence", "hard_max_variability",
  "ambiguous_min_confidence", "ambiguous_max_confidence", "ambiguous_min_variability"];

// Index into REGIONS (easy-to-learn, ambiguous, hard-to-learn, other); a pair meeting several bounds takes the first
// of ambiguous, hard, easy: nbutils.map.regions.region_codes.
export function regionCode(c, v, t) {
  if (c >= t.ambiguous_min_confidence && c <= t.ambiguous_max_confidence && v > t.ambiguous_min_variability) return 1;
  if (c < t.hard_max_confidence && v < t.hard_max_variability) return 2;
  if (c > t.easy_min_confidence && v < t.easy_max_variability) return 0;
  return 3;
}

// Bounds that cannot hold together, as nbutils.map.regions.Thresholds refuses them ("" when they can).
export function boundsProblem(t) {
  for (const k of BOUNDS) if (!(t[k] >= 0 && t[k] <= 1)) return k + " = " + t[k] + ": bounds lie between 0 and 1";
  if (t.ambiguous_min_confidence > t.ambiguous_max_confidence)
    return "ambiguous_min_confidence is above ambiguous_max_confidence: the last good colouring stays";
  return "";
}

export function unpack(b64, Type) {
  const s = atob(b64), u = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
  return new Type(u.buffer);
}

export function webglAvailable() {
  try { return !!document.createElement("canvas").getContext("webgl"); } catch (e) { return false; }
}

function countsHtml(counts, regions, labels, colors) {
  let html = "<tr><th>region</th>" + labels.map(l => "<th>" + l + "</th>").join("") + "<th>total</th></tr>";
  regions.forEach((name, r) => {
    const total = counts[r].reduce((a, b) => a + b, 0);
    html += "<tr><td style='color:" + colors[r] + "'>" + name + "</td>"
      + counts[r].map((n, l) => "<td id='count-" + name + "-" + labels[l] + "'>" + n + "</td>").join("")
      + "<td id='count-" + name + "-total'>" + total + "</td></tr>";
  });
  return "<table>" + html + "</table>";
}

const STYLE = `.datamap{font-family:system-ui,sans-serif}.datamap-controls{display:flex;gap:2em;flex-wrap:wrap}
.datamap label{display:block;font-size:13px;white-space:nowrap}.datamap input[type=range]{width:220px;vertical-align:middle}
.datamap-readout{width:4.5em}.datamap td,.datamap th{padding:2px 10px;text-align:right}
.datamap th:first-child,.datamap td:first-child{text-align:left}.datamap table{border-collapse:collapse}
.datamap tr{border-bottom:1px solid #eee}.datamap-msg{color:#b00}.datamap-counts.stale{opacity:.45}
.datamap-note{color:#555;font-size:13px}`;

// D: confidence, variability (typed arrays of the points the component holds), drawn (indices of those to draw),
// hover (one text per drawn point), thresholds, regions, labels, colors, and gold (Uint8Array) where the component
// counts in the browser. opts: countsInBrowser (the page: exact counts over every pair it holds), dragmode ("zoom" or
// "lasso"), mapId (the map element's id), onThresholds(t, settled) (every good change; settled once input pauses or the slider is released),
// onSelect(polygon), buttons [{label, onClick}], download (a button for the selected regions' ids), ids (async ids).
export function mount(el, D, opts = {}) {
  const REGIONS = D.regions, LABELS = D.labels, COLORS = D.colors;
  const t = Object.assign({}, D.thresholds);
  const drawnCodes = new Uint8Array(D.drawn.length);
  let allCodes = opts.countsInBrowser ? new Uint8Array(D.confidence.length) : null;
  el.classList.add("datamap");
  el.innerHTML = "<style>" + STYLE + "</style><div class='datamap-controls'><div class='datamap-sliders'></div><div>"
    + "<div class='datamap-counts'></div><p class='datamap-msg' id='msg'></p><div class='datamap-buttons'></div>"
    + "<p class='datamap-batch'></p></div></div><p class='datamap-note'></p><div class='datamap-map' style='height:600px'></div>"
    + "<p class='datamap-status'></p>";
  const $ = sel => el.querySelector(sel);
  const msg = $(".datamap-msg"), countsBox = $(".datamap-counts"), gd = $(".datamap-map"), canvas = document.createElement("canvas");
  if (opts.mapId) gd.id = opts.mapId;

  function recolour() {   // the drawn points only: what the eye sees changes at once
    for (let j = 0; j < D.drawn.length; j++) { const i = D.drawn[j]; drawnCodes[j] = regionCode(D.confidence[i], D.variability[i], t); }
    drawPoints();
  }
  function countAll() {   // exact counts over every pair the component holds (the page)
    const counts = REGIONS.map(() => LABELS.map(() => 0));
    for (let i = 0; i < allCodes.length; i++) { const r = regionCode(D.confidence[i], D.variability[i], t); allCodes[i] = r; counts[r][D.gold[i]]++; }
    setCounts(counts);
  }
  function setCounts(counts) { countsBox.innerHTML = countsHtml(counts, REGIONS, LABELS, COLORS); countsBox.classList.remove("stale"); }
  // Colour by region (codes follow the sliders) or, where the page carries them, by annotator agreement (fixed codes
  // into D.agreement_levels; 255: a pair without several annotators' labels, drawn grey).
  let colourBy = "region";
  function drawPoints() {
    const L = gd._fullLayout;
    if (!L || !L.xaxis) return;
    const s = L._size, xr = L.xaxis.range, yr = L.yaxis.range, ctx = canvas.getContext("2d");
    Object.assign(canvas.style, {left: s.l + "px", top: s.t + "px"});
    if (canvas.width !== Math.round(s.w) || canvas.height !== Math.round(s.h)) { canvas.width = Math.round(s.w); canvas.height = Math.round(s.h); }
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.globalAlpha = 0.6;
    const sx = canvas.width / (xr[1] - xr[0]), sy = canvas.height / (yr[1] - yr[0]);
    const byAgreement = colourBy === "agreement";
    const codes = byAgreement ? Uint8Array.from(D.drawn, i => D.agreement[i]) : drawnCodes;
    const palette = byAgreement ? [...D.agreement_colors, "#bbbbbb"] : COLORS;
    const codeOf = byAgreement ? k => (k < D.agreement_colors.length ? k : 255) : k => k;
    for (let r = 0; r < palette.length; r++) {
      ctx.fillStyle = palette[r];
      const want = codeOf(r);
      for (let j = 0; j < D.drawn.length; j++) {
        if (codes[j] !== want) continue;
        const i = D.drawn[j];
        ctx.fillRect((D.variability[i] - xr[0]) * sx - 2, canvas.height - (D.confidence[i] - yr[0]) * sy - 2, 4, 4);
      }
    }
  }
  let pending = null;
  function changed(settled) {
    const problem = boundsProblem(t);
    msg.textContent = problem;
    if (problem) return;   // the last good colouring and counts stay; nobody is asked
    recolour();
    if (allCodes) countAll();
    else countsBox.classList.add("stale");
    if (!opts.onThresholds || settled === null) return;   // null: the first colouring, nothing to tell
    clearTimeout(pending);
    if (settled) opts.onThresholds(Object.assign({}, t), true);
    else pending = setTimeout(() => opts.onThresholds(Object.assign({}, t), true), opts.settleMs || 120);
  }
  const sliders = $(".datamap-sliders");
  for (const k of BOUNDS) {
    const row = document.createElement("label");
    row.className = "datamap-slider";
    row.innerHTML = "<input type='range' min='0' max='1' step='0.01' id='slider-" + k + "' value='" + t[k] + "'> "
      + "<input type='number' class='datamap-readout' min='0' max='1' step='0.01' value='" + t[k] + "'> <span>" + k + "</span>";
    const range = row.querySelector("input[type=range]"), readout = row.querySelector(".datamap-readout");
    const set = (value, settled) => { t[k] = value; range.value = value; readout.value = value; changed(settled); };
    range.addEventListener("input", e => set(parseFloat(e.target.value), false));
    range.addEventListener("change", e => set(parseFloat(e.target.value), true));
    readout.addEventListener("change", e => { const v = parseFloat(e.target.value); if (!isNaN(v)) set(v, true); });
    readout.addEventListener("keydown", e => { if (e.key === "Enter") readout.blur(); });   // Enter commits, as a slider release
    sliders.appendChild(row);
  }
  for (const b of opts.buttons || []) {
    const button = document.createElement("button");
    button.textContent = b.label;
    button.addEventListener("click", b.onClick);
    $(".datamap-buttons").appendChild(button);
  }
  if (opts.download) {
    const button = document.createElement("button");
    button.id = "download";
    button.textContent = "download ids of the selected regions (CSV)";
    button.addEventListener("click", async () => {
      const rows = ["example_id,region"], ids = await opts.ids();
      for (let i = 0; i < allCodes.length; i++) if (allCodes[i] !== 3) rows.push(ids[i] + "," + REGIONS[allCodes[i]]);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([rows.join("\n")], {type: "text/csv"}));
      a.download = "selection.csv"; a.click();
    });
    $(".datamap-buttons").appendChild(button);
  }
  if (D.agreement) {   // the shareable page of a map whose pairs carry annotator labels
    const row = document.createElement("label");
    row.innerHTML = "colour by <select id='colour-by'><option value='region'>region</option>"
      + "<option value='agreement'>annotator agreement</option></select> <span class='datamap-key'></span>";
    const key = row.querySelector(".datamap-key");
    row.querySelector("select").addEventListener("change", e => {
      colourBy = e.target.value;
      key.innerHTML = colourBy === "agreement" ? D.agreement_levels.map((name, k) =>
        "<span style='color:" + D.agreement_colors[k] + "'>&#9632; " + name + "</span>").join(" ")
        + " <span style='color:#bbbbbb'>&#9632; no annotator labels</span>" : "";
      drawPoints();
    });
    $(".datamap-buttons").appendChild(row);
  }
  const gl = webglAvailable();
  if (!gl) $(".datamap-note").textContent = "This browser has no WebGL: the map is drawn with SVG points, which is slower.";
  const xs = Array.from(D.drawn, i => D.variability[i]), ys = Array.from(D.drawn, i => D.confidence[i]);
  const ready = Plotly.newPlot(gd, [{type: gl ? "scattergl" : "scatter", mode: "markers", x: xs, y: ys, text: D.hover,
      hoverinfo: "text", marker: {size: 5, color: "rgba(0,0,0,0)"}, selected: {marker: {opacity: 0}}, unselected: {marker: {opacity: 0}}}],
    {xaxis: {title: {text: "variability"}}, yaxis: {title: {text: "confidence"}, range: [0, 1]}, dragmode: opts.dragmode || "zoom",
     margin: {t: 20}, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", showlegend: false},
    {displaylogo: false}).then(() => {
    Object.assign(canvas.style, {position: "absolute", zIndex: 0, pointerEvents: "none"});
    canvas.className = "datamap-points";
    canvas.id = "points";
    gd.style.position = "relative";
    gd.querySelector(".svg-container").style.zIndex = 1;
    gd.prepend(canvas);
    gd.on("plotly_afterplot", drawPoints);   // zoom, pan, resize
    if (opts.onSelect) gd.on("plotly_selected", ev => {
      if (!ev) return;
      const polygon = ev.lassoPoints ? {variability: ev.lassoPoints.x, confidence: ev.lassoPoints.y}
        : ev.range ? {variability: [ev.range.x[0], ev.range.x[1], ev.range.x[1], ev.range.x[0]],
                      confidence: [ev.range.y[0], ev.range.y[0], ev.range.y[1], ev.range.y[1]]} : null;
      if (polygon && polygon.variability.length >= 3) opts.onSelect(polygon, ev.points ? ev.points.length : 0);
    });
    recolour();
  });
  changed(null);
  return {
    gd, ready, setCounts,
    thresholds: () => Object.assign({}, t),
    setStatus: text => { $(".datamap-status").textContent = text; },
    setBatchLine: html => { $(".datamap-batch").innerHTML = html; },
    clearSelection: () => { Plotly.restyle(gd, {selectedpoints: [null]}); if (gd.layout.selections) Plotly.relayout(gd, {selections: []}); },
    codesFor: other => Array.from(D.drawn, i => regionCode(D.confidence[i], D.variability[i], other)),   // the tests' view
    colouring: () => colourBy,
    agreementCodes: () => (D.agreement ? Array.from(D.drawn, i => D.agreement[i]) : null),   // the tests' view
  };
}

// The live JupyterLab map (anywidget): the kernel sends the drawn points once and, when the sliders settle, the exact
// counts over every pair; lasso, box, *clear lasso* and *save selection* go to the kernel as messages.
function loadPlotly() {
  if (globalThis.Plotly) return;
  const s = document.createElement("script");
  s.textContent = PLOTLY_SRC;   // a classic script: plotly.js's bundle sets the global Plotly
  document.head.appendChild(s);
}

export default {
  render({ model, el }) {
    loadPlotly();
    const d = model.get("data");
    const n = d.n_drawn;
    const D = Object.assign({}, d, {confidence: unpack(d.confidence, Float32Array), variability: unpack(d.variability, Float32Array),
                                    drawn: Array.from({length: n}, (_, i) => i), thresholds: model.get("thresholds")});
    const send = content => model.send(content);
    const api = mount(el, D, {
      dragmode: "lasso",
      onThresholds: t => {
        const same = JSON.stringify(t) === JSON.stringify(model.get("thresholds"));
        if (same) { show(); return; }   // the kernel's counts are for these bounds already
        model.set("thresholds", t); model.save_changes();
      },
      onSelect: (polygon, drawn) => send({event: "select", polygon, drawn}),
      buttons: [{label: "save selection", onClick: () => send({event: "save"})},
                {label: "clear lasso", onClick: () => { api.clearSelection(); send({event: "clear"}); }}],
    });
    const show = () => {
      const c = model.get("counts");
      if (c && c.matrix) api.setCounts(c.matrix);
      api.setStatus(model.get("status"));
      api.setBatchLine(model.get("batch_line"));
    };
    model.on("change:counts", show);
    model.on("change:status", show);
    model.on("change:batch_line", show);
    show();
  },
};
