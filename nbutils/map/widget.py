"""The live map in JupyterLab: the browser's map component (nbutils.map.component) as an anywidget, with the kernel's part.

The browser gets the drawn points' coordinates once and recolours them itself while a slider moves, as the shareable
page does. When the sliders settle (input pauses, or a slider is released) it sends the thresholds; the kernel counts
every pair, drawn or not, with one bincount and sends the counts table back. A lasso or box selects every pair inside
it, drawn or not; *save selection* writes them (nbutils.map.selection), *clear lasso* undoes the lasso.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from .component import b64, legend, widget_esm
from .figures import as_plotly_text, correctness_text, sample_for_drawing
from .regions import REGIONS, Thresholds, counts_by_code, region_codes
from .selection import write_selection
from ..labels import LABELS


def as_p_arguments(t: Thresholds) -> str:
    """The thresholds as command-line overrides, to rerun the same regions in batch."""
    return " ".join(f"-p {k}={v:g}" for k, v in t.as_dict().items())


def inside(polygon: dict, variability: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Which pairs lie inside a lasso polygon (or box), over every pair rather than the drawn sample."""
    from matplotlib.path import Path
    vertices = np.column_stack([polygon["variability"], polygon["confidence"]])
    return Path(vertices).contains_points(np.column_stack([variability, confidence]))


@functools.cache
def widget_class():
    """The anywidget class (made once: its module holds plotly.js)."""
    import anywidget
    import traitlets as tl

    class DataMap(anywidget.AnyWidget):
        """The live data map: `data` (drawn points, once), `thresholds` (from the sliders), `counts`, `status`, `batch_line`."""

        _esm = widget_esm()
        data = tl.Dict().tag(sync=True)
        thresholds = tl.Dict().tag(sync=True)
        counts = tl.Dict().tag(sync=True)
        status = tl.Unicode("").tag(sync=True)
        batch_line = tl.Unicode("").tag(sync=True)

    return DataMap


class LiveMap:
    """The kernel's side of the live map: exact counts, the lasso's pairs, and saving them."""

    def __init__(self, table: pd.DataFrame, thresholds: Thresholds, run_name: str):
        self.table, self.run_name = table.reset_index(drop=True), run_name
        self.conf, self.var, self.gold = (self.table[c].to_numpy() for c in ("confidence", "variability", "gold_label"))
        self.thresholds, self.codes, self.lasso, self.inside = thresholds, None, None, None

    def count(self, values: dict) -> tuple[dict, str]:
        """Counts of every pair per region and label at these bounds, and the batch-parameters line."""
        t = Thresholds(**{k: float(v) for k, v in values.items()})
        self.thresholds, self.codes = t, region_codes(self.conf, self.var, t)
        matrix = counts_by_code(self.codes, self.gold).reindex(index=list(REGIONS), columns=list(LABELS), fill_value=0)
        return ({"matrix": matrix.to_numpy().tolist()},
                f"<small>as batch parameters (notebook 03):</small> <code>{as_p_arguments(t)}</code>")

    def select(self, polygon: dict, drawn: int) -> str:
        if len(polygon.get("variability", [])) < 3:
            return ""
        self.lasso, self.inside = polygon, inside(polygon, self.var, self.conf)
        return f"{int(self.inside.sum()):,} pairs inside the selection ({drawn:,} of them drawn)"

    def clear(self) -> str:
        self.lasso, self.inside = None, None
        return "selection cleared: save takes every pair of the three regions"

    def save(self) -> str:
        keep = self.codes != REGIONS.index("other")   # "other" is never retrained on
        if self.inside is not None:
            keep &= self.inside
        chosen = self.table.loc[keep, ["example_id"]].assign(region=np.array(REGIONS, dtype=object)[self.codes[keep]])
        path = write_selection(self.run_name, chosen, self.thresholds, source="saved", lasso=self.lasso)
        per_region = ", ".join(f"{r} {n:,}" for r, n in chosen["region"].value_counts().items())
        return f"saved {len(chosen):,} pairs ({per_region or 'none'}) to {path.name}; notebook 04 retrains on them with selection=saved"


def map_widget(table: pd.DataFrame, thresholds: Thresholds, run_name: str, sample_points: int = 25_000):
    """Sliders for every bound, live counts (total and per label), lasso/box selection, clear and save buttons."""
    live = LiveMap(table, thresholds, run_name)
    shown = sample_for_drawing(live.table, sample_points)
    labels = dict(enumerate(LABELS))
    hover = [f"<b>{labels[g]}</b> {e}<br>P: {p}<br>H: {h}<br>conf {c:.3f} var {v:.3f} corr {k}"
             for e, p, h, g, c, v, k in zip(as_plotly_text(shown["example_id"]), as_plotly_text(shown["premise"].str[:140]),
                                             as_plotly_text(shown["hypothesis"].str[:140]), shown["gold_label"],
                                             shown["confidence"], shown["variability"], correctness_text(shown))]
    data = {"confidence": b64(shown["confidence"].to_numpy(np.float32)), "variability": b64(shown["variability"].to_numpy(np.float32)),
            "n_drawn": len(shown), "hover": hover, **legend()}
    counts, batch = live.count(thresholds.as_dict())
    widget = widget_class()(data=data, thresholds=thresholds.as_dict(), counts=counts, batch_line=batch)
    widget.live = live

    def on_thresholds(change):
        try:
            widget.counts, widget.batch_line = live.count(change["new"])
        except Exception as err:   # the browser refuses contradictory bounds first; anything else is said, not raised
            widget.status = str(err)

    def on_message(_, content, buffers):
        event = content.get("event")
        if event == "select":
            widget.status = live.select(content.get("polygon") or {}, int(content.get("drawn", 0)))
        elif event == "clear":
            widget.status = live.clear()
        elif event == "save":
            widget.status = live.save()

    widget.observe(on_thresholds, names="thresholds")
    widget.on_msg(on_message)
    return widget
