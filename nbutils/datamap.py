"""Notebook 03's stage: the map table (metrics + regions + text) and its figures, static and interactive."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import paths
from .cartography import REGIONS, Thresholds, assign_regions, assign_regions_by_rank, compute_metrics
from .dynamics import read_matrix
from .errors import WorkbookError
from .labels import LABELS
from .rundata import read_split

MAP_FILE = "datamap.parquet"
REGION_COLORS = {"easy-to-learn": "#1f77b4", "ambiguous": "#d62728", "hard-to-learn": "#2ca02c", "other": "#bbbbbb"}


def build_map(run_name: str, thresholds: Thresholds, region_mode: str = "thresholds", rank_percent: float = 33.0,
              first_points: int = 0) -> pd.DataFrame:
    """Metrics for every training example, its region and its text; written to outputs/<run>/datamap.parquet."""
    metrics = compute_metrics(read_matrix(paths.dynamics_dir(run_name), first_points))
    metrics["region"] = regions_for(metrics, thresholds, region_mode, rank_percent)
    text = read_split(run_name, "train").drop(columns=["gold_label"])
    table = metrics.merge(text, on="example_id", how="left", validate="one_to_one")
    if table["premise"].isna().any():
        raise WorkbookError(f"{int(table['premise'].isna().sum())} dynamics ids are not in the run's train split: "
                            "the dynamics come from another run. Retrain (notebook 02) for this run.")
    table.to_parquet(paths.run_dir(run_name) / MAP_FILE, index=False)
    return table


def regions_for(metrics: pd.DataFrame, thresholds: Thresholds, region_mode: str = "thresholds", rank_percent: float = 33.0) -> pd.Series:
    """Regions by the thresholds or by the paper's ranking: one switch shared by the map and the retraining rounds."""
    if region_mode == "thresholds":
        return assign_regions(metrics, thresholds)
    if region_mode == "rank":
        return assign_regions_by_rank(metrics, rank_percent)
    raise WorkbookError(f"region_mode={region_mode!r}: use 'thresholds' or 'rank'.")


def read_map(run_name: str) -> pd.DataFrame:
    path = paths.run_dir(run_name) / MAP_FILE
    if not path.exists():
        raise WorkbookError(f"{path} is missing: run notebook 03 (data map) for run {run_name!r} first.")
    return pd.read_parquet(path)


def sample_for_drawing(table: pd.DataFrame, n: int, seed: int = 0, keep_below: int = 2000) -> pd.DataFrame:
    """At most n points, stratified by region; regions smaller than keep_below are kept whole."""
    if len(table) <= n:
        return table
    parts = []
    small = table.groupby("region").filter(lambda g: len(g) < keep_below)
    big = table.drop(small.index)
    budget = max(n - len(small), 0)
    for _, g in big.groupby("region"):
        parts.append(g.sample(n=min(len(g), int(round(budget * len(g) / len(big)))), random_state=seed))
    return pd.concat([small, *parts])


def static_map(table: pd.DataFrame, thresholds: Thresholds | None, title: str = "Data map", sample_points: int = 25_000):
    """Paper-style map: variability × confidence coloured by correctness, marginals, region boxes (None: ranking mode, no boxes), counts."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    counts = table["region"].value_counts()
    shown = sample_for_drawing(table, sample_points)
    grid = sns.JointGrid(data=shown, x="variability", y="confidence", height=6.5, xlim=(0, 0.5), ylim=(0, 1))
    shown = shown.assign(correctness=shown["correctness"].round(1))
    sns.scatterplot(data=shown, x="variability", y="confidence", hue="correctness", palette="coolwarm_r", s=10,
                    linewidth=0, alpha=0.6, ax=grid.ax_joint, legend="brief")
    sns.histplot(data=table, x="variability", ax=grid.ax_marg_x, bins=40, color="#777")
    sns.histplot(data=table, y="confidence", ax=grid.ax_marg_y, bins=40, color="#777")
    t = thresholds or Thresholds()
    boxes = {} if thresholds is None else {"easy-to-learn": (0, t.easy_min_confidence, t.easy_max_variability, 1 - t.easy_min_confidence),
             "hard-to-learn": (0, 0, t.hard_max_variability, t.hard_max_confidence),
             "ambiguous": (t.ambiguous_min_variability, t.ambiguous_min_confidence, 0.5 - t.ambiguous_min_variability,
                           t.ambiguous_max_confidence - t.ambiguous_min_confidence)}
    for region, (x, y, w, h) in boxes.items():
        grid.ax_joint.add_patch(plt.Rectangle((x, y), w, h, fill=False, lw=1.6, ls="--", ec=REGION_COLORS[region],
                                              label=f"{region}: {counts.get(region, 0):,}"))
    if thresholds is None:
        for region in REGIONS[:3]:
            grid.ax_joint.plot([], [], ls="none", marker="s", color=REGION_COLORS[region], label=f"{region} (ranked): {counts.get(region, 0):,}")
    grid.ax_joint.legend(loc="lower right", fontsize=8, title=f"correctness / regions ({len(table):,} pairs)", title_fontsize=8)
    grid.figure.suptitle(title, y=1.01)
    return grid.figure


def plotly_map(table: pd.DataFrame, sample_points: int = 25_000, title: str = "Data map"):
    """Zoomable map with hover text (premise, hypothesis, gold label, metrics), one trace per region."""
    import plotly.graph_objects as go

    shown = sample_for_drawing(table, sample_points)
    fig = go.Figure()
    counts = table["region"].value_counts()
    for region in REGIONS:
        g = shown[shown["region"] == region]
        fig.add_trace(points_trace(g, f"{region} ({counts.get(region, 0):,})", REGION_COLORS[region]))
    fig.update_layout(title=f"{title} ({len(table):,} pairs, {len(shown):,} drawn)", xaxis_title="variability",
                      yaxis_title="confidence", height=560, dragmode="lasso", template="plotly_white")
    return fig


def points_trace(g: pd.DataFrame, name: str, color):
    """One WebGL scatter of pairs with hover text (premise, hypothesis, gold label, metrics)."""
    import plotly.graph_objects as go
    return go.Scattergl(
        x=g["variability"], y=g["confidence"], mode="markers", name=name, marker=dict(size=4, color=color, opacity=0.6),
        customdata=np.stack([g["example_id"], g["premise"], g["hypothesis"], g["gold_label"].map(dict(enumerate(LABELS))),
                             g["correctness"].round(2)], axis=1) if len(g) else None,
        hovertemplate="<b>%{customdata[3]}</b> · %{customdata[0]}<br>P: %{customdata[1]}<br>H: %{customdata[2]}"
                      "<br>confidence %{y:.3f} · variability %{x:.3f} · correctness %{customdata[4]}<extra></extra>")


def planted_table(table: pd.DataFrame) -> pd.DataFrame | None:
    """Demo runs: planted structure × region, and mean metrics per planted group."""
    if "planted" not in table.columns or table["planted"].isna().all():
        return None
    ct = pd.crosstab(table["planted"], table["region"])
    means = table.groupby("planted")[["confidence", "variability", "correctness"]].mean().round(3)
    return ct.join(means)
