"""Notebook 03's figures of the map: the paper-style static map, the zoomable one, the map coloured by an artifact."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..labels import LABELS
from .artifacts import add_artifacts
from .regions import REGIONS, Thresholds

REGION_COLORS = {"easy-to-learn": "#1f77b4", "ambiguous": "#d62728", "hard-to-learn": "#2ca02c", "other": "#bbbbbb"}


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
    if "correctness" in shown.columns:   # a coordinates map may come without it: colour by region then
        shown = shown.assign(correctness=shown["correctness"].round(1))
        hue = dict(hue="correctness", palette="coolwarm_r")
    else:
        hue = dict(hue="region", palette={r: REGION_COLORS[r] for r in REGIONS})
    sns.scatterplot(data=shown, x="variability", y="confidence", **hue, s=10,
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


def as_plotly_text(values) -> list[str]:
    """Text as written in plotly's hover and text fields, which read '<a>', '<b>' and '&amp;' as their own markup."""
    import html
    return [html.escape(str(v), quote=False) for v in values]


def correctness_text(g: pd.DataFrame) -> list[str]:
    """Correctness for hover text; a dash where the map has none (coordinates without it)."""
    return [f"{c:.2f}" for c in g["correctness"]] if "correctness" in g.columns else ["—"] * len(g)


def points_trace(g: pd.DataFrame, name: str, color):
    """One WebGL scatter of pairs with hover text (premise, hypothesis, gold label, metrics)."""
    import plotly.graph_objects as go
    return go.Scattergl(
        x=g["variability"], y=g["confidence"], mode="markers", name=name, marker=dict(size=4, color=color, opacity=0.6),
        customdata=np.stack([as_plotly_text(g["example_id"]), as_plotly_text(g["premise"]), as_plotly_text(g["hypothesis"]), g["gold_label"].map(dict(enumerate(LABELS))),
                             correctness_text(g)], axis=1) if len(g) else None,
        hovertemplate="<b>%{customdata[3]}</b> · %{customdata[0]}<br>P: %{customdata[1]}<br>H: %{customdata[2]}"
                      "<br>confidence %{y:.3f} · variability %{x:.3f} · correctness %{customdata[4]}<extra></extra>")


def overlay_figure(table: pd.DataFrame, feature: str = "word_overlap", sample_points: int = 25_000):
    """The map coloured by one artifact feature, AUM, or the annotators' agreement."""
    import matplotlib.pyplot as plt

    if not {"confidence", "variability", *([feature] if feature in ("aum", "agreement") else [])} <= set(table.columns):
        return None   # a map without coordinates, AUM or annotator labels (said once, where the map or the labels are loaded)
    t = table if feature in table.columns else add_artifacts(table)
    shown = sample_for_drawing(t, sample_points)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    sc = ax.scatter(shown["variability"], shown["confidence"], c=shown[feature].astype(float), s=6, cmap="viridis", alpha=0.7)
    fig.colorbar(sc, ax=ax, label=feature)
    ax.set(xlabel="variability", ylabel="confidence", ylim=(0, 1), title=f"data map coloured by {feature}")
    return fig
