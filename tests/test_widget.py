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
    """The browser sends the lasso's polygon; the kernel saves every pair inside it, drawn or not."""
    from nbutils.map.widget import map_widget
    table = _table()
    table["region"] = assign_regions(table, Thresholds())
    widget = map_widget(table, Thresholds(), "w", sample_points=500)
    corners = {"variability": [0.25, 0.45, 0.45, 0.25], "confidence": [0.3, 0.3, 0.9, 0.9]}   # a rectangle drawn as a lasso
    widget._handle_custom_msg({"event": "select", "polygon": corners, "drawn": 3}, [])
    in_box = table["variability"].between(0.25, 0.45) & table["confidence"].between(0.3, 0.9)
    assert widget.status.startswith(f"{in_box.sum():,} pairs inside the selection (3 of them drawn)")
    widget._handle_custom_msg({"event": "save"}, [])
    folder = outputs / "w"
    saved = pd.read_parquet(folder / "selection_saved.parquet")
    in_box &= table["region"].isin(REGIONS[:3])
    assert set(saved["example_id"]) == set(table.loc[in_box, "example_id"])
    assert len(saved) > widget.data["n_drawn"], "pairs inside the lasso that were not drawn are saved too"
    assert f"saved {in_box.sum():,} pairs" in widget.status
    meta = yaml.safe_load((folder / "selection_saved.yaml").read_text())
    assert meta["lasso"] == corners and meta["pairs"] == in_box.sum()
    assert meta["region_mode"] == "thresholds" and meta["source"] == "saved" and sum(meta["counts"].values()) == in_box.sum()
    widget._handle_custom_msg({"event": "clear"}, [])
    assert "selection cleared" in widget.status
    widget._handle_custom_msg({"event": "save"}, [])
    everything = table["region"].isin(REGIONS[:3])
    assert len(pd.read_parquet(folder / "selection_saved.parquet")) == everything.sum()
    assert yaml.safe_load((folder / "selection_saved.yaml").read_text())["lasso"] is None
    assert not (folder / "selection.parquet").exists(), "the live map never writes the batch run's selection"


def test_settled_thresholds_recount_every_pair_and_give_the_batch_parameters(outputs):
    """The kernel's part of a slider move: exact counts over every pair; the browser already holds the drawn points."""
    import base64
    from nbutils.map.widget import map_widget
    table = _table()
    table["region"] = assign_regions(table, Thresholds())
    widget = map_widget(table, Thresholds(), "w", sample_points=500)
    drawn = np.frombuffer(base64.b64decode(widget.data["confidence"]), dtype="<f4")
    assert len(drawn) == widget.data["n_drawn"] < len(table) and np.isin(drawn, table["confidence"].to_numpy(np.float32)).all()
    widget.thresholds = {**Thresholds().as_dict(), "ambiguous_min_variability": 0.1}
    want = assign_regions(table, Thresholds(ambiguous_min_variability=0.1))
    matrix = np.array(widget.counts["matrix"])
    assert matrix.shape == (len(REGIONS), 3)
    for r, region in enumerate(REGIONS):
        for label in range(3):
            assert matrix[r, label] == ((want == region) & (table["gold_label"] == label)).sum(), (region, label)
    assert "-p ambiguous_min_variability=0.1" in widget.batch_line and "-p easy_min_confidence=0.8" in widget.batch_line
    assert set(widget.counts) == {"matrix"}, "after the first draw, a slider move sends counts, never per-point data"
