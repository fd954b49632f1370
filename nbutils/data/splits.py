"""The run's normalised splits: notebook 01 writes them once, every later notebook reads the same rows.

Files: `outputs/<run>/data/{train,validation,test}.parquet` and `contrast/<name>.parquet` (pair tables, see
nbutils.data.pairs), plus `load_report.json` (rows read, kept and dropped per reason, per source file; for the train
split without drop_scored_pairs, `scored_pairs_mapped`: mapped pairs that a scored set also holds).
"""
from __future__ import annotations

import json

import pandas as pd

from .. import paths
from ..errors import WorkbookError


def write_splits(run_name: str, tables: dict[str, pd.DataFrame], contrasts: dict[str, pd.DataFrame], reports: dict) -> None:
    """Replace the run's split files (stale ones from an earlier load are removed first)."""
    folder = paths.run_data_dir(run_name)
    for old in list(folder.glob("*.parquet")) + list((folder / "contrast").glob("*.parquet")):
        old.unlink()
    for split, table in tables.items():
        table.to_parquet(folder / f"{split}.parquet", index=False)
    (folder / "contrast").mkdir(exist_ok=True)
    for name, table in contrasts.items():
        table.to_parquet(folder / "contrast" / f"{name}.parquet", index=False)
    (folder / "load_report.json").write_text(json.dumps(reports, indent=2))


def read_split(run_name: str, split: str) -> pd.DataFrame:
    """A split written by notebook 01."""
    path = paths.run_data_dir(run_name) / f"{split}.parquet"
    if not path.exists():
        raise WorkbookError(f"{path} is missing: run notebook 01 (load data) for run {run_name!r} first.")
    return pd.read_parquet(path)


def read_contrasts(run_name: str) -> dict[str, pd.DataFrame]:
    """Every contrast set of the run, by name."""
    folder = paths.run_data_dir(run_name) / "contrast"
    return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def read_split_if_present(run_name: str, split: str) -> pd.DataFrame | None:
    """A split notebook 01 may not have written (test, model_selection); None when it did not."""
    path = paths.run_data_dir(run_name) / f"{split}.parquet"
    return pd.read_parquet(path) if path.exists() else None
