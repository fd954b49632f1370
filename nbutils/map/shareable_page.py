"""`datamap.html`: the map as one file that works without a kernel — sliders, exact counts and id download in the browser.

Thresholds can be set in the address, so a link carries a choice:
`datamap.html#easy_min_confidence=0.7&ambiguous_min_variability=0.25`. Counts cover every example (computed
client-side over compact arrays); the scatter draws a stratified sample with hover text. The page is the browser's
map component (nbutils/map/datamap_component.js, which the live JupyterLab map uses too) with the data inlined: the
coloured points are painted on a canvas under Plotly's transparent plot area (a recolour repaints it: tens of ms at
550k pairs, where re-plotting Plotly's WebGL trace took hundreds); Plotly keeps the axes, zoom and hover. Ids and
hover text are stored gzip'd. `window.__datamap` is the component's handle (tests read `codesFor(thresholds)`).
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
from .component import b64, component_source, legend
from .figures import as_plotly_text, correctness_text, sample_for_drawing
from ..data.annotators import has_annotators, voted
from ..labels import LABELS
from .human_check import SPLIT_VOTE

TEMPLATE = r"""<!doctype html><html><head><meta charset="utf-8"><title>__TITLE__</title>
<script>__PLOTLY__</script>
<style>body{font-family:system-ui,sans-serif;margin:1em 2em}</style>
</head><body><h2>__TITLE__</h2><p>__N__ training pairs; __DRAWN__ drawn. Move a slider: regions and counts update over every pair.
Thresholds can be put in the address (#easy_min_confidence=0.7&amp;...).</p>
<div id="datamap"></div>
<script type="module">
__COMPONENT__
const D = __DATA__;
D.confidence = unpack(D.confidence, Float32Array); D.variability = unpack(D.variability, Float32Array);
D.gold = unpack(D.gold, Uint8Array);
if (D.agreement) D.agreement = unpack(D.agreement, Uint8Array);
for (const kv of location.hash.replace(/^#/, "").split("&")) {
  const [k, v] = kv.split("="); if (k in D.thresholds && !isNaN(parseFloat(v))) D.thresholds[k] = parseFloat(v);
}
async function gunzipLines(packed) {  // base64 of gzip'd lines, as write_datamap_html packs them
  const gz = Uint8Array.from(atob(packed), ch => ch.charCodeAt(0));
  return (await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip"))).text()).split("\n");
}
D.hover = await gunzipLines(D.hover_gz);   // hover text is gzip'd too: at 60,000 drawn points it was a third of the page
async function exampleIds() {  // unpacked on the first download
  if (!D.idList) D.idList = await gunzipLines(D.ids_gz);
  return D.idList;
}
const keepInAddress = t => history.replaceState(null, "", "#" + Object.entries(t).map(([k, v]) => k + "=" + v).join("&"));
window.__datamap = mount(document.getElementById("datamap"), D, {countsInBrowser: true, download: true, ids: exampleIds,
  mapId: "map", onThresholds: keepInAddress});
keepInAddress(D.thresholds);
</script></body></html>"""


def gzip_lines(lines) -> str:
    """Text lines gzip'd and base64'd: the page's ids and hover text, unpacked in the browser (gunzipLines)."""
    return base64.b64encode(gzip.compress("\n".join(lines).encode(), 6)).decode()


AGREEMENT_LEVELS = ("unanimous", "a clear majority (4 of 5)", "split vote (at most 3 of 5)")
AGREEMENT_COLORS = ("#1a9850", "#fdae61", "#d73027")


def agreement_codes(table: pd.DataFrame) -> dict:
    """Each pair's agreement as a code into AGREEMENT_LEVELS (255: no several annotators' labels); {} without any."""
    if not has_annotators(table):
        return {}
    agreement = table["agreement"].to_numpy(dtype=float)
    codes = np.where(agreement >= 1 - 1e-9, 0, np.where(agreement <= SPLIT_VOTE + 1e-9, 2, 1))
    codes = np.where(voted(table), codes, 255).astype(np.uint8)
    return {"agreement": b64(codes), "agreement_levels": list(AGREEMENT_LEVELS), "agreement_colors": list(AGREEMENT_COLORS)}


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
    data = {"confidence": b64(table["confidence"].to_numpy(np.float32)), "variability": b64(table["variability"].to_numpy(np.float32)),
            "gold": b64(table["gold_label"].to_numpy(np.uint8)),
            "ids_gz": gzip_lines(table["example_id"].astype(str)), "drawn": shown.index.tolist(),
            "hover_gz": gzip_lines(h.replace("\n", " ") for h in hover), "thresholds": thresholds.as_dict(), **legend()}
    data.update(agreement_codes(table))
    page = (TEMPLATE.replace("__PLOTLY__", get_plotlyjs()).replace("__TITLE__", html.escape(title))
            .replace("__N__", f"{len(table):,}").replace("__DRAWN__", f"{len(shown):,}")
            .replace("__COMPONENT__", component_source())
            .replace("__DATA__", json.dumps(data, separators=(",", ":")).replace("<", "\\u003c")))   # no text can end or open a tag
    path.write_text(page, encoding="utf-8")
    return path
