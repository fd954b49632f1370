"""Notebook 03's stage: the map table (metrics, region and text of every training pair) from the run's dynamics."""
from __future__ import annotations

import pandas as pd

from .. import paths
from ..data.splits import read_split
from ..errors import WorkbookError
from ..train.dynamics import read_matrix
from .metrics import compute_metrics
from .regions import Thresholds, regions_for
from .table import write_map


def run_stage(run_name: str, thresholds: Thresholds, region_mode: str = "thresholds", rank_percent: float = 33.0,
              first_points: int = 0) -> pd.DataFrame:
    """Metrics for every training example, its region and its text; written to outputs/<run>/datamap.parquet."""
    metrics = compute_metrics(read_matrix(paths.dynamics_dir(run_name), first_points))
    metrics["region"] = regions_for(metrics, thresholds, region_mode, rank_percent)
    text = read_split(run_name, "train").drop(columns=["gold_label"])
    table = metrics.merge(text, on="example_id", how="left", validate="one_to_one")
    if table["premise"].isna().any():
        raise WorkbookError(f"{int(table['premise'].isna().sum())} dynamics ids are not in the run's train split: "
                            "the dynamics come from another run. Retrain (notebook 02) for this run.")
    write_map(run_name, table)
    return table
