"""The live map in JupyterLab: threshold sliders recolour the map and recount regions over every example."""
from __future__ import annotations

from dataclasses import fields

import pandas as pd

from .regions import REGIONS, Thresholds, assign_regions, region_counts
from .figures import REGION_COLORS, points_trace, sample_for_drawing
from .selection import write_selection


def map_widget(table: pd.DataFrame, thresholds: Thresholds, run_name: str, sample_points: int = 25_000):
    """Sliders for every bound, live counts (total and per label), lasso/box selection and a save button."""
    import ipywidgets as w
    import plotly.graph_objects as go

    shown = sample_for_drawing(table, sample_points)
    fig = go.FigureWidget(layout=dict(title=f"Data map ({len(table):,} pairs, {len(shown):,} drawn)", xaxis_title="variability",
                                      yaxis_title="confidence", height=560, dragmode="lasso", template="plotly_white"))
    fig.add_trace(points_trace(shown, "pairs (colour: region)", REGION_COLORS["other"]))
    trace = fig.data[0]
    sliders = {f.name: w.FloatSlider(value=getattr(thresholds, f.name), min=0, max=1, step=0.01, description=f.name,
                                     continuous_update=False, style={"description_width": "180px"}, layout={"width": "420px"})
               for f in fields(Thresholds)}
    counts_out, status = w.Output(), w.HTML()
    state = {"thresholds": thresholds, "lasso": None}

    def redraw(_=None):
        try:
            t = Thresholds(**{k: s.value for k, s in sliders.items()})
        except Exception as err:  # contradictory bounds: say so, keep the last good map
            status.value = f"<b style='color:#b00'>{err}</b>"
            return
        state["thresholds"], status.value = t, ""
        regions = assign_regions(table, t)
        with fig.batch_update():
            trace.marker.color = [REGION_COLORS[r] for r in regions.loc[shown.index]]
        counts_out.clear_output()
        with counts_out:
            from IPython.display import display
            display(region_counts(table.assign(region=regions)))

    def on_select(tr, points, selector):
        state["lasso"] = shown.index[points.point_inds] if points.point_inds else None
        status.value = f"{len(points.point_inds):,} drawn points selected" if points.point_inds else ""

    def save(_):
        regions = assign_regions(table, state["thresholds"])
        chosen = table.assign(region=regions)
        if state["lasso"] is not None:
            chosen = chosen.loc[state["lasso"]]
        path = write_selection(run_name, chosen[chosen["region"].isin(REGIONS[:3])], state["thresholds"], source="widget")
        status.value = f"saved {len(chosen):,} ids to {path}"

    for s in sliders.values():
        s.observe(redraw, names="value")
    trace.on_selection(on_select)
    button = w.Button(description="save selection", icon="save")
    button.on_click(save)
    redraw()
    return w.VBox([w.HBox([w.VBox(list(sliders.values())), counts_out]), fig, w.HBox([button, status])])
