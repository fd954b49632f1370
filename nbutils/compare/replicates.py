"""Replicate runs (the same setup with other seeds): is retraining's effect larger than the spread between runs?

Reads each other run's `comparison.csv`, notebook 05's output: one row per (data, model) with `accuracy` and, for
every model but the baseline, `diff` (its accuracy minus the baseline's on the same pairs).

`across_runs.csv` (written by notebook 05 when `seed_runs` is set): one row per (data, model) with `runs` (how many
runs evaluated it), `mean_diff`, `sd_diff`, `ci_low`/`ci_high` (95% t-interval of the mean), `t_test_p` (one-sample
t-test of the differences against 0), `mean_baseline` and `mean_accuracy`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import paths
from ..errors import WorkbookError

THIS_RUN = "this run"


def differences(table: pd.DataFrame, other_runs: list[str]) -> pd.DataFrame:
    """Long table: run, data, model, diff and the baseline's accuracy, this run first."""
    runs = {THIS_RUN: table.reset_index()}
    for name in other_runs:
        path = paths.outputs_root() / name / "comparison.csv"  # run_dir would create a missing run's folder
        if not path.exists():
            raise WorkbookError(f"{path} is missing: finish run {name!r} through notebook 05 first "
                                f"(python -m nbutils run --profile <profile> -p seed=<n> --run-name {name}), or remove it from seed_runs.")
        runs[name] = pd.read_csv(path)
    rows = []
    for name, df in runs.items():
        base = df[df["diff"].isna()].set_index("data")["accuracy"]
        rows.append(df[df["diff"].notna()].assign(run=name, baseline=lambda d: d["data"].map(base)))
    return pd.concat(rows, ignore_index=True)[["run", "data", "model", "diff", "baseline", "accuracy"]]


def across_runs(table: pd.DataFrame, other_runs: list[str]) -> pd.DataFrame:
    """Per data set and model: mean difference across runs, its SD, 95% t-interval and t-test p (empty without other runs)."""
    from scipy import stats
    if not other_runs:
        return pd.DataFrame()
    rows = []
    for (data, model), g in differences(table, other_runs).groupby(["data", "model"], sort=False):
        d = g["diff"].to_numpy(dtype=float)
        row = {"data": data, "model": model, "runs": len(d), "mean_diff": d.mean(), "sd_diff": np.nan, "ci_low": np.nan,
               "ci_high": np.nan, "t_test_p": np.nan, "mean_baseline": g["baseline"].mean(), "mean_accuracy": g["accuracy"].mean()}
        if len(d) > 1 and d.std(ddof=1) > 0:
            sd = d.std(ddof=1)
            lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sd / np.sqrt(len(d)))
            row.update(sd_diff=sd, ci_low=lo, ci_high=hi, t_test_p=float(stats.ttest_1samp(d, 0.0).pvalue))
        rows.append(row)
    return pd.DataFrame(rows).set_index(["data", "model"])
