"""The map table, one row per training pair: written by notebook 03, read by notebooks 04 and 05.

`outputs/<run>/datamap.parquet`: one row per training pair the map covers (nbutils.map.map_source), example_id,
gold_label, confidence, variability, correctness, correct_count, forgetfulness, never_learned, threshold_closeness, aum,
aum_rank, label_quality, label_issue (nbutils.map.metrics; a map made elsewhere holds those its source allows, listed in map_source.json), region
(nbutils.map.regions, or the source's own), and the pair's text columns (premise, hypothesis, and any optional
pair-table column of the run's train split).
"""
from __future__ import annotations

import pandas as pd

from .. import paths
from ..errors import WorkbookError

MAP_FILE = "datamap.parquet"


def write_map(run_name: str, table: pd.DataFrame) -> None:
    """Write the run's map table."""
    table.to_parquet(paths.run_dir(run_name) / MAP_FILE, index=False)


def read_map(run_name: str) -> pd.DataFrame:
    """The run's map table; says which notebook to run when it is missing."""
    path = paths.run_dir(run_name) / MAP_FILE
    if not path.exists():
        raise WorkbookError(f"{path} is missing: run notebook 03 (data map) for run {run_name!r} first.")
    return pd.read_parquet(path)


def most_ambiguous(table: pd.DataFrame, n: int = 8) -> pd.DataFrame:
    """The ambiguous region's n pairs of highest variability, labels by name (empty when the region is)."""
    from ..labels import named
    amb = table[table["region"] == "ambiguous"]
    amb = amb.nlargest(n, "variability") if "variability" in amb.columns else amb.head(n)   # a regions-only map: in its order
    cols = [c for c in ("example_id", "premise", "hypothesis", "gold_label", "confidence", "variability") if c in amb.columns]
    return named(amb[cols]).set_index("example_id")
