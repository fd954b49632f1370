"""The live map in JupyterLab: threshold sliders recolour the map and recount regions over every example.

A slider sends the drawn points' region codes (one small integer each, coloured by a fixed colour scale in the
browser) and a counts table computed with one bincount over every pair, so it keeps up at full SNLI scale. A lasso
or box selects every pair inside it, drawn or not.
"""
from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from .figures import REGION_COLORS, points_trace, sample_for_drawing
from .regions import REGIONS, Thresholds, counts_by_code, region_codes
from .selection import write_selection

def region_colorscale() -> list:
    """A stepped colour scale: code k of REGIONS (cmin -0.5, cmax len-0.5) gets that region's colour."""
    n = len(REGIONS)
    return [[edge, REGION_COLORS[r]] for k, r in enumerate(REGIONS) for edge in (k / n, (k + 1) / n)]


def as_p_arguments(t: Thresholds) -> str:
    """The thresholds as command-line overrides, to rerun the same regions in batch."""
    return " ".join(f"-p {k}={v:g}" for k, v in t.as_dict().items())


def inside(polygon: dict, variability: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Which pairs lie inside a lasso polygon (or box), over every pair rather than the drawn sample."""
    from matplotlib.path import Path
    vertices = np.column_stack([polygon["variability"], polygon["confidence"]])
    return Path(vertices).contains_points(np.column_stack([variability, confidence]))


def selector_polygon(selector) -> dict | None:
    """The lasso's vertices, or a box's four corners, in data coordinates."""
    if getattr(selector, "type", "") == "lasso":
        return {"variability": [float(x) for x in selector.xs], "confidence": [float(y) for y in selector.ys]}
    if getattr(selector, "type", "") == "box":
        (x0, x1), (y0, y1) = selector.xrange, selector.yrange
        return {"variability": [x0, x1, x1, x0], "confidence": [y0, y0, y1, y1]}
    return None


def map_widget(table: pd.DataFrame, thresholds: Thresholds, run_name: str, sample_points: int = 25_000):
    """Sliders for every bound, live counts (total and per label), lasso/box selection, clear and save buttons."""
    import ipywidgets as w
    import plotly.graph_objects as go

    shown = sample_for_drawing(table, sample_points)
    drawn = table.index.get_indexer(shown.index)
    conf, var, gold = (table[c].to_numpy() for c in ("confidence", "variability", "gold_label"))
    fig = go.FigureWidget(layout=dict(title=f"Data map ({len(table):,} pairs, {len(shown):,} drawn)", xaxis_title="variability",
                                      yaxis_title="confidence", height=560, dragmode="lasso", template="plotly_white",
                                      legend=dict(title="region", itemclick=False, itemdoubleclick=False)))
    fig.add_trace(points_trace(shown, "pairs", np.zeros(len(shown), dtype=np.int8)))
    fig.update_traces(marker=dict(colorscale=region_colorscale(), cmin=-0.5, cmax=len(REGIONS) - 0.5), showlegend=False)
    for region in REGIONS:   # legend entries only: the points are one trace, coloured by code
        fig.add_trace(go.Scattergl(x=[None], y=[None], mode="markers", name=region, marker=dict(color=REGION_COLORS[region], size=8)))
    trace = fig.data[0]
    sliders = {f.name: w.FloatSlider(value=getattr(thresholds, f.name), min=0, max=1, step=0.01, description=f.name,
                                     continuous_update=False, style={"description_width": "initial"}, layout={"width": "460px"})
               for f in fields(Thresholds)}
    counts, status, copy_line = w.HTML(), w.HTML(), w.HTML()
    counts.add_class("datamap-counts")
    state = {"thresholds": thresholds, "codes": None, "lasso": None, "inside": None}

    def redraw(_=None):
        try:
            t = Thresholds(**{k: s.value for k, s in sliders.items()})
        except Exception as err:  # contradictory bounds: say so, keep the last good map
            status.value = f"<b style='color:#b00'>{err}</b>"
            return
        codes = region_codes(conf, var, t)
        state.update(thresholds=t, codes=codes)
        counts.value = counts_by_code(codes, gold).to_html()   # first: the browser reads it before it repaints the map
        trace.marker.color = codes[drawn]
        copy_line.value = f"<small>as batch parameters (notebook 03):</small> <code>{as_p_arguments(t)}</code>"
        status.value = ""

    def on_select(tr, points, selector):
        polygon = selector_polygon(selector)
        if polygon is None or len(polygon["variability"]) < 3:
            return
        state.update(lasso=polygon, inside=inside(polygon, var, conf))
        status.value = f"{int(state['inside'].sum()):,} pairs inside the selection ({len(points.point_inds):,} of them drawn)"

    def clear(_):
        state.update(lasso=None, inside=None)
        trace.selectedpoints = None
        status.value = "selection cleared: save takes every pair of the three regions"

    def save(_):
        codes = state["codes"]
        keep = codes != REGIONS.index("other")   # "other" is never retrained on
        if state["inside"] is not None:
            keep &= state["inside"]
        chosen = table.loc[keep, ["example_id"]].assign(region=np.array(REGIONS, dtype=object)[codes[keep]])
        path = write_selection(run_name, chosen, state["thresholds"], source="saved", lasso=state["lasso"])
        per_region = ", ".join(f"{r} {n:,}" for r, n in chosen["region"].value_counts().items())
        status.value = (f"saved {len(chosen):,} pairs ({per_region or 'none'}) to {path.name}; "
                        "notebook 04 retrains on them with selection=saved")

    for s in sliders.values():
        s.observe(redraw, names="value")
    trace.on_selection(on_select)
    save_button = w.Button(description="save selection", icon="save")
    save_button.on_click(save)
    clear_button = w.Button(description="clear lasso", icon="times")
    clear_button.on_click(clear)
    redraw()
    return w.VBox([w.HBox([w.VBox([*sliders.values(), copy_line]), counts]), fig, w.HBox([save_button, clear_button, status])])
