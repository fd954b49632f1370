"""Replicate runs (the same setup with other seeds): is retraining's effect larger than the spread between runs?

Reads each other run's `comparison.csv`, notebook 05's output: one row per (data, model) with `accuracy` and, for
every model but the baseline, `diff` (its accuracy minus the baseline's on the same pairs).

`across_runs.csv` (written by notebook 05 when `seed_runs` is set): one row per (data, model) with `runs` (how many
runs evaluated it), `mean_diff`, `sd_diff`, `ci_low`/`ci_high` (95% t-interval of the mean), `t_test_p` (one-sample
t-test of the differences against 0), `mean_baseline` and `mean_accuracy`.

`across_seeds.csv` (written by `python -m nbutils sweep`): `seed_effects` of the sweep's runs.
"""
from __future__ import annotations

from pathlib import Path

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
    if not other_runs:
        return pd.DataFrame()
    rows = []
    for (data, model), g in differences(table, other_runs).groupby(["data", "model"], sort=False):
        rows.append({"data": data, "model": model, **t_summary(g["diff"].to_numpy(dtype=float)),
                     "mean_baseline": g["baseline"].mean(), "mean_accuracy": g["accuracy"].mean()})
    return pd.DataFrame(rows).set_index(["data", "model"])


def t_summary(d: np.ndarray) -> dict:
    """runs, mean_diff, sd_diff, 95% t-interval (ci_low, ci_high) and one-sample t-test p against no difference."""
    from scipy import stats
    row = {"runs": len(d), "mean_diff": d.mean(), "sd_diff": np.nan, "ci_low": np.nan, "ci_high": np.nan, "t_test_p": np.nan}
    if len(d) > 1 and d.std(ddof=1) > 0:
        sd = d.std(ddof=1)
        lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=sd / np.sqrt(len(d)))
        row.update(sd_diff=sd, ci_low=lo, ci_high=hi, t_test_p=float(stats.ttest_1samp(d, 0.0).pvalue))
    return row


def seed_effects(runs: dict[str, Path]) -> pd.DataFrame:
    """Per effect (each arm − the baseline model, and each arm contrast) and data set, across finished runs.

    `runs` maps a seed to its run folder. Columns: kind (vs baseline | contrast), data, effect, the t_summary columns,
    and one `seed_<s>` column per run with that run's difference.
    """
    long = []
    for seed, folder in runs.items():
        comparison = pd.read_csv(folder / "comparison.csv")
        base = comparison.loc[comparison["diff"].isna(), ["data", "model"]].drop_duplicates("data").set_index("data")["model"]
        vs = comparison[comparison["diff"].notna()]
        long.append(pd.DataFrame({"kind": "vs baseline", "data": vs["data"], "effect": vs["model"] + " − " + vs["data"].map(base),
                                  "diff": vs["diff"], "seed": seed}))
        if (folder / "contrasts.csv").exists():
            c = pd.read_csv(folder / "contrasts.csv")
            long.append(pd.DataFrame({"kind": "contrast", "data": c["data"], "effect": c["contrast"], "diff": c["diff"], "seed": seed}))
    long = pd.concat(long, ignore_index=True)
    rows = []
    for (kind, effect, data), g in long.groupby(["kind", "effect", "data"], sort=False):
        rows.append({"kind": kind, "effect": effect, "data": data, **t_summary(g["diff"].to_numpy(dtype=float)),
                     **{f"seed_{s}": d for s, d in zip(g["seed"], g["diff"])}})
    return pd.DataFrame(rows).set_index(["kind", "effect", "data"])
