"""Selection files: the regions chosen on the map, handed from notebook 03 to notebook 04.

`outputs/<run>/selection.parquet`: example_id (str), region (str: easy-to-learn | ambiguous | hard-to-learn).
`outputs/<run>/selection.yaml`: thresholds (the seven bounds), source (parameters | widget), counts per region.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from .. import paths
from .regions import Thresholds
from ..errors import WorkbookError


def write_selection(run_name: str, table: pd.DataFrame, thresholds: Thresholds, source: str = "parameters") -> Path:
    """Write the ids and regions plus the thresholds that produced them."""
    folder = paths.run_dir(run_name)
    table[["example_id", "region"]].to_parquet(folder / "selection.parquet", index=False)
    meta = {"thresholds": thresholds.as_dict(), "source": source,
            "counts": {str(k): int(v) for k, v in table["region"].value_counts().items()}}
    (folder / "selection.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    return folder / "selection.parquet"


def read_selection(run_name: str, train_ids: pd.Series) -> tuple[pd.DataFrame, dict]:
    """The selection and its metadata; fails if its ids are not the run's training examples."""
    folder = paths.run_dir(run_name)
    path = folder / "selection.parquet"
    if not path.exists():
        raise WorkbookError(f"{path} is missing: run notebook 03 (data map) for run {run_name!r} first.")
    sel = pd.read_parquet(path)
    unknown = ~sel["example_id"].isin(set(train_ids))
    if unknown.any():
        raise WorkbookError(f"{path}: {int(unknown.sum()):,} of {len(sel):,} ids are not in run {run_name!r}'s train split "
                            f"(e.g. {sel['example_id'][unknown].iloc[0]!r}); the selection comes from another run. Redo notebook 03.")
    meta = yaml.safe_load((folder / "selection.yaml").read_text()) if (folder / "selection.yaml").exists() else {}
    return sel, meta
