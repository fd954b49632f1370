"""The live map's selection in Python: a lasso keeps every pair inside it (drawn or not), clearing restores regions."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import yaml

from nbutils.map.regions import REGIONS, Thresholds, assign_regions


def _table(n: int = 30_000, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"example_id": [f"p{i}" for i in range(n)], "premise": "A dog runs.", "hypothesis": "An animal moves.",
                         "gold_label": rng.integers(0, 3, n), "confidence": rng.uniform(0, 1, n),
                         "variability": rng.uniform(0, 0.5, n), "correctness": rng.uniform(0, 1, n)})


def test_a_lasso_saves_every_pair_inside_it_and_clearing_restores_the_regions(outputs):
    from plotly.callbacks import LassoSelector, Points

    from nbutils.map.widget import map_widget
    table = _table()
    table["region"] = assign_regions(table, Thresholds())
    box = map_widget(table, Thresholds(), "w", sample_points=500)
    trace = box.children[1].data[0]
    save, clear, status = box.children[2].children
    corners = {"xs": [0.25, 0.45, 0.45, 0.25], "ys": [0.3, 0.3, 0.9, 0.9]}   # a rectangle drawn as a lasso
    trace._dispatch_on_selection(Points(point_inds=[0, 1, 2], xs=[], ys=[], trace_name="pairs", trace_index=0),
                                 LassoSelector(**corners))
    save.click()
    folder = outputs / "w"
    saved = pd.read_parquet(folder / "selection_saved.parquet")
    in_box = table["variability"].between(0.25, 0.45) & table["confidence"].between(0.3, 0.9) & table["region"].isin(REGIONS[:3])
    drawn = set(np.asarray(trace.customdata)[:, 0])
    assert set(saved["example_id"]) == set(table.loc[in_box, "example_id"])
    assert set(saved["example_id"]) - drawn, "pairs inside the lasso that were not drawn are saved too"
    assert f"saved {in_box.sum():,} pairs" in status.value
    meta = yaml.safe_load((folder / "selection_saved.yaml").read_text())
    assert meta["lasso"] == {"variability": corners["xs"], "confidence": corners["ys"]} and meta["pairs"] == in_box.sum()
    assert meta["region_mode"] == "thresholds" and meta["source"] == "saved" and sum(meta["counts"].values()) == in_box.sum()
    clear.click()
    save.click()
    everything = table["region"].isin(REGIONS[:3])
    assert len(pd.read_parquet(folder / "selection_saved.parquet")) == everything.sum()
    assert yaml.safe_load((folder / "selection_saved.yaml").read_text())["lasso"] is None
    assert not (folder / "selection.parquet").exists(), "the live map never writes the batch run's selection"


def test_a_slider_recounts_every_pair_and_gives_the_batch_parameters(outputs):
    from nbutils.map.widget import map_widget
    table = _table()
    table["region"] = assign_regions(table, Thresholds())
    box = map_widget(table, Thresholds(), "w", sample_points=500)
    sliders = {s.description: s for s in box.children[0].children[0].children if hasattr(s, "description")}
    counts, copy_line = box.children[0].children[1], box.children[0].children[0].children[-1]
    sliders["ambiguous_min_variability"].value = 0.1
    want = assign_regions(table, Thresholds(ambiguous_min_variability=0.1)).value_counts()
    rows = re.findall(r"<tr>\s*<th>([^<]+)</th>(.*?)</tr>", counts.value, flags=re.S)
    got = {name: int(re.findall(r"<td>(\d+)</td>", cells)[-1]) for name, cells in rows if "<td>" in cells}
    assert {r: got[r] for r in want.index} == want.to_dict()
    assert "-p ambiguous_min_variability=0.1" in copy_line.value and "-p easy_min_confidence=0.8" in copy_line.value
    trace = box.children[1].data[0]
    assert np.asarray(trace.marker.color).dtype.kind in "iu" and len(trace.marker.color) == len(trace.x), "codes, one per drawn point"
