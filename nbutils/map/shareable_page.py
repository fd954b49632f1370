"""`datamap.html`: the map as one file that works without a kernel — sliders, exact counts and id download in the browser.

Thresholds can be set in the address, so a link carries a choice:
`datamap.html#easy_min_confidence=0.7&ambiguous_min_variability=0.25`. Counts cover every example (computed
client-side over compact arrays); the scatter draws a stratified sample with hover text. The coloured points are
painted on a canvas under Plotly's transparent plot area (a recolour repaints it: tens of ms at 550k pairs, where
re-plotting Plotly's WebGL trace took hundreds); Plotly keeps the axes, zoom and hover. Ids are stored gzip'd.
Element ids the page exposes (tests and scripts read them): `count-<region>-<label|total>`, `slider-<bound>`.
"""
from __future__ import annotations

import base64
import gzip
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .regions import REGIONS, Thresholds, assign_regions
from .figures import REGION_COLORS, as_plotly_text, correctness_text, sample_for_drawing
from ..labels import LABELS

TEMPLATE = r"""<!doctype html><html><head><meta charset="utf-8"><title>__TITLE__</title>
<script>__PLOTLY__</script>
<style>body{font-family:system-ui,sans-serif;margin:1em 2em}#controls{display:flex;gap:2em;flex-wrap:wrap}
label{display:block;font-size:13px}input[type=range]{width:220px;vertical-align:middle}td,th{padding:2px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}table{border-collapse:collapse}tr{border-bottom:1px solid #eee}#msg{color:#b00}</style>
</head><body><h2>__TITLE__</h2><p>__N__ training pairs; __DRAWN__ drawn. Move a slider: regions and counts update over every pair.
Thresholds can be put in the address (#easy_min_confidence=0.7&amp;...).</p>
<div id="controls"><div id="sliders"></div><div><table id="counts"></table><p id="msg"></p>
<button id="download">download ids of the selected regions (CSV)</button></div></div><div id="map" style="height:600px"></div>
<script>
const D = __DATA__;
function unpack(b64, Type) { const s = atob(b64), u = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i); return new Type(u.buffer); }
D.confidence = unpack(D.confidence, Float32Array); D.variability = unpack(D.variability, Float32Array);
D.gold = unpack(D.gold, Uint8Array);
async function exampleIds() {  // gzip'd in the page (ids are most of its size), unpacked on the first download
  if (!D.idList) {
    const gz = Uint8Array.from(atob(D.ids_gz), ch => ch.charCodeAt(0));
    D.idList = (await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).text()).split("\n");
  }
  return D.idList;
}
const REGIONS = __REGIONS__, LABELS = __LABELS__, COLORS = __COLORS__;
const t = Object.assign({}, D.thresholds);
for (const kv of location.hash.replace(/^#/, "").split("&")) {
  const [k, v] = kv.split("="); if (k in t && !isNaN(parseFloat(v))) t[k] = parseFloat(v);
}
function region(c, v) {
  if (c >= t.ambiguous_min_confidence && c <= t.ambiguous_max_confidence && v > t.ambiguous_min_variability) return 1;
  if (c < t.hard_max_confidence && v < t.hard_max_variability) return 2;
  if (c > t.easy_min_confidence && v < t.easy_max_variability) return 0;
  return 3;
}
let regionOf = new Uint8Array(D.confidence.length);
function recompute() {
  const msg = document.getElementById("msg");
  if (t.ambiguous_min_confidence > t.ambiguous_max_confidence) { msg.textContent = "ambiguous_min_confidence is above ambiguous_max_confidence"; return; }
  msg.textContent = "";
  const counts = REGIONS.map(() => LABELS.map(() => 0));
  for (let i = 0; i < regionOf.length; i++) { const r = region(D.confidence[i], D.variability[i]); regionOf[i] = r; counts[r][D.gold[i]]++; }
  let html = "<tr><th>region</th>" + LABELS.map(l => "<th>" + l + "</th>").join("") + "<th>total</th></tr>";
  REGIONS.forEach((name, r) => {
    const total = counts[r].reduce((a, b) => a + b, 0);
    html += "<tr><td style='color:" + COLORS[r] + "'>" + name + "</td>" + counts[r].map((n, l) => "<td id='count-" + name + "-" + LABELS[l] + "'>" + n + "</td>").join("")
          + "<td id='count-" + name + "-total'>" + total + "</td></tr>";
  });
  document.getElementById("counts").innerHTML = html;
  drawPoints();
  history.replaceState(null, "", "#" + Object.entries(t).map(([k, v]) => k + "=" + v).join("&"));
}
const sliders = document.getElementById("sliders");
for (const k of Object.keys(t)) {
  const row = document.createElement("label");
  row.innerHTML = "<input type='range' min='0' max='1' step='0.01' id='slider-" + k + "' value='" + t[k] + "'> <span>" + k + " = " + t[k] + "</span>";
  row.querySelector("input").addEventListener("input", e => { t[k] = parseFloat(e.target.value); row.querySelector("span").textContent = k + " = " + t[k]; recompute(); });
  sliders.appendChild(row);
}
// Plotly draws the axes and gives hover text over invisible markers; the coloured points are painted on a canvas
// under its transparent plot area, so a recolour repaints the canvas instead of re-plotting the WebGL trace.
const gd = document.getElementById("map"), canvas = document.createElement("canvas");
function drawPoints() {
  const L = gd._fullLayout;
  if (!L || !L.xaxis) return;
  const s = L._size, xr = L.xaxis.range, yr = L.yaxis.range, ctx = canvas.getContext("2d");
  Object.assign(canvas.style, {left: s.l + "px", top: s.t + "px"});
  if (canvas.width !== Math.round(s.w) || canvas.height !== Math.round(s.h)) { canvas.width = Math.round(s.w); canvas.height = Math.round(s.h); }
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.globalAlpha = 0.6;
  const sx = canvas.width / (xr[1] - xr[0]), sy = canvas.height / (yr[1] - yr[0]);
  for (let r = 0; r < REGIONS.length; r++) {
    ctx.fillStyle = COLORS[r];
    for (const i of D.drawn) if (regionOf[i] === r) ctx.fillRect((D.variability[i] - xr[0]) * sx - 2, canvas.height - (D.confidence[i] - yr[0]) * sy - 2, 4, 4);
  }
}
Plotly.newPlot(gd, [{type: "scattergl", mode: "markers", x: D.drawn.map(i => D.variability[i]), y: D.drawn.map(i => D.confidence[i]),
  text: D.hover, hoverinfo: "text", marker: {size: 5, color: "rgba(0,0,0,0)"}}],
  {xaxis: {title: {text: "variability"}}, yaxis: {title: {text: "confidence"}, range: [0, 1]}, dragmode: "zoom", margin: {t: 20},
   paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"}).then(() => {
  Object.assign(canvas.style, {position: "absolute", zIndex: 0, pointerEvents: "none"});
  canvas.id = "points";
  gd.style.position = "relative";
  gd.querySelector(".svg-container").style.zIndex = 1;
  gd.prepend(canvas);
  gd.on("plotly_afterplot", drawPoints);  // zoom, pan, resize
  recompute();
});
recompute();
document.getElementById("download").addEventListener("click", async () => {
  const rows = ["example_id,region"], ids = await exampleIds();
  for (let i = 0; i < regionOf.length; i++) if (regionOf[i] !== 3) rows.push(ids[i] + "," + REGIONS[regionOf[i]]);
  const a = document.createElement("a"); a.href = URL.createObjectURL(new Blob([rows.join("\n")], {type: "text/csv"}));
  a.download = "selection.csv"; a.click();
});
</script></body></html>"""


def _b64(values: np.ndarray) -> str:
    """Little-endian bytes as base64: JavaScript reads them back into a typed array, exactly."""
    return base64.b64encode(np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<")).tobytes()).decode()


def write_datamap_html(table: pd.DataFrame, thresholds: Thresholds, path: Path, sample_points: int = 25_000,
                       title: str = "Data map") -> Path:
    """A self-contained page (plotly.js inlined) with sliders, live exact counts, hover text and id download."""
    from plotly.offline import get_plotlyjs

    labels = dict(enumerate(LABELS))
    table = table.reset_index(drop=True)
    if "region" not in table.columns:
        table = table.assign(region=assign_regions(table, thresholds))
    shown = sample_for_drawing(table, sample_points)
    hover = [f"<b>{labels[g]}</b> {e}<br>P: {p}<br>H: {h}<br>conf {c:.3f} var {v:.3f} corr {k}"
             for e, p, h, g, c, v, k in zip(as_plotly_text(shown["example_id"]), as_plotly_text(shown["premise"].str[:140]),
                                             as_plotly_text(shown["hypothesis"].str[:140]), shown["gold_label"],
                                             shown["confidence"], shown["variability"], correctness_text(shown))]
    data = {"confidence": _b64(table["confidence"].to_numpy(np.float32)), "variability": _b64(table["variability"].to_numpy(np.float32)),
            "gold": _b64(table["gold_label"].to_numpy(np.uint8)),
            "ids_gz": base64.b64encode(gzip.compress("\n".join(table["example_id"].astype(str)).encode(), 6)).decode(),
            "drawn": shown.index.tolist(), "hover": hover, "thresholds": thresholds.as_dict()}
    page = (TEMPLATE.replace("__PLOTLY__", get_plotlyjs()).replace("__TITLE__", html.escape(title))
            .replace("__N__", f"{len(table):,}").replace("__DRAWN__", f"{len(shown):,}")
            .replace("__REGIONS__", json.dumps(list(REGIONS))).replace("__LABELS__", json.dumps(list(LABELS)))
            .replace("__COLORS__", json.dumps([REGION_COLORS[r] for r in REGIONS]))
            .replace("__DATA__", json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")))   # no text can end or open a tag
    path.write_text(page, encoding="utf-8")
    return path
