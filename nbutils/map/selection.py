"""Selection files: the regions chosen on the map, handed from notebook 03 to notebook 04.

Two selections can sit side by side in a run, so a batch rerun of notebook 03 never replaces one made by hand:
- `selection.parquet` + `selection.yaml`: from notebook 03's parameters (every batch run writes it);
- `selection_saved.parquet` + `selection_saved.yaml`: saved from the live map's *save selection* button.
Notebook 04's `selection` parameter (parameters | saved) says which one it retrains on.

Parquet: example_id (str), region (str: easy-to-learn | ambiguous | hard-to-learn).
YAML: source (parameters | saved), region_mode (thresholds | rank | source: a regions-only map's own regions),
thresholds (the seven bounds; thresholds mode only),
rank_percent (rank mode only), lasso (the polygon's variability and confidence vertices, or null), counts per region,
pairs (total), saved_at (UTC time).
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import yaml

from .. import paths
from ..data.pairs import ids_in
from ..errors import WorkbookError
from .regions import Thresholds

SOURCES = {"parameters": "selection", "saved": "selection_saved"}


def selection_path(run_name: str, source: str = "parameters") -> Path:
    """The Parquet file of one selection source."""
    if source not in SOURCES:
        raise WorkbookError(f"selection={source!r}: use one of {list(SOURCES)} (parameters: notebook 03's regions; saved: the live map's).")
    return paths.run_dir(run_name) / f"{SOURCES[source]}.parquet"


def write_selection(run_name: str, table: pd.DataFrame, thresholds: Thresholds, source: str = "parameters",
                    region_mode: str = "thresholds", rank_percent: float = 33.0, lasso: dict | None = None) -> Path:
    """Write the ids and regions plus what produced them (mode, bounds or rank share, lasso)."""
    path = selection_path(run_name, source)
    table[["example_id", "region"]].to_parquet(path, index=False)
    meta = {"source": source, "region_mode": region_mode}
    if region_mode == "thresholds":
        meta["thresholds"] = thresholds.as_dict()
    elif region_mode == "rank":
        meta["rank_percent"] = float(rank_percent)   # "source": the regions of a map made elsewhere, no bounds
    meta.update(lasso=lasso, counts={str(k): int(v) for k, v in table["region"].value_counts().items()}, pairs=len(table),
                saved_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"))
    path.with_suffix(".yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    return path


def read_selection(run_name: str, train_ids: pd.Series, source: str = "parameters") -> tuple[pd.DataFrame, dict]:
    """The selection and its record; fails if its ids are not the run's training examples."""
    path = selection_path(run_name, source)
    if not path.exists():
        how = "run notebook 03 (data map)" if source == "parameters" else "press *save selection* under the live map in notebook 03"
        raise WorkbookError(f"{paths.shown(path)} is missing: {how} for run {run_name!r} first"
                            + (", or retrain on notebook 03's parameters (selection=parameters)." if source == "saved" else "."))
    sel = pd.read_parquet(path)
    unknown = ~ids_in(sel["example_id"], train_ids)
    if unknown.any():
        raise WorkbookError(f"{paths.shown(path)}: {int(unknown.sum()):,} of {len(sel):,} ids are not in run {run_name!r}'s train split "
                            f"(e.g. {sel['example_id'][unknown].iloc[0]!r}); the selection comes from another run. Redo notebook 03.")
    meta = yaml.safe_load(path.with_suffix(".yaml").read_text()) if path.with_suffix(".yaml").exists() else {}
    return sel, meta


def describe(meta: dict, pairs: int) -> str:
    """One line on where a selection came from, for notebook 04's report."""
    mode = meta.get("region_mode", "thresholds")
    how = ("the map source's own regions" if mode == "source" else f"{mode} mode"
           + (f", top {meta['rank_percent']:g}% per region" if "rank_percent" in meta else ""))
    lasso = f", inside a lasso of {len(meta['lasso']['variability'])} vertices" if meta.get("lasso") else ""
    return f"selection: {pairs:,} pairs from {meta.get('source', '?')} ({how}{lasso}), written {meta.get('saved_at', '?')}"


def fingerprint(run_name: str, source: str = "parameters") -> str:
    """A digest of one selection's ids and regions ("" when there is none), to tell whether it changed."""
    path = selection_path(run_name, source)
    if not path.exists():
        return ""
    sel = pd.read_parquet(path)
    return hashlib.sha1(pd.util.hash_pandas_object(sel, index=False).to_numpy().tobytes()).hexdigest()[:16]


def saved_note(run_name: str) -> str:
    """One line on a selection saved from the live map, which batch runs of notebook 03 leave in place."""
    path = selection_path(run_name, "saved")
    if not path.exists():
        return "no selection saved from the live map: notebook 04 retrains on these parameters' regions (selection=parameters)"
    meta = yaml.safe_load(path.with_suffix(".yaml").read_text()) or {}
    return (f"a selection saved from the live map is kept in {path.name} ({meta.get('pairs', '?'):,} pairs, {meta.get('saved_at', '')}); "
            "this run did not replace it. Notebook 04 uses it with selection=saved.")
