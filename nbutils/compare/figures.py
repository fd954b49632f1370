"""Notebook 05's figures: accuracy with intervals, and the effect across replicate runs."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns


def accuracy_ci_figure(table: pd.DataFrame):
    """Accuracy per model and data set with 95% bootstrap intervals: one horizontal bar each, its value beside it."""
    t = table.reset_index()
    data_sets = list(dict.fromkeys(t["data"]))
    models = list(dict.fromkeys(t["model"]))
    height = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(8, 1.0 + 0.3 * len(data_sets) * len(models)))
    for i, m in enumerate(models):
        g = t[t["model"] == m].set_index("data").reindex(data_sets)
        y = np.arange(len(data_sets)) + i * height
        bars = ax.barh(y, g["accuracy"], height, label=m, xerr=np.clip([g["accuracy"] - g["ci_low"], g["ci_high"] - g["accuracy"]], 0, None), capsize=2)
        ax.plot(g["accuracy"], y, "|", color=bars.patches[0].get_facecolor(), ms=9, mew=2)   # seen even at accuracy 0
        for yy, acc, high in zip(y, g["accuracy"], g["ci_high"]):
            if pd.notna(acc):
                ax.text(high + 0.01, yy, f"{acc:.3f}", va="center", fontsize=7)
    ax.set_yticks(np.arange(len(data_sets)) + height * (len(models) - 1) / 2, data_sets)
    ax.invert_yaxis()
    ax.set(xlabel="accuracy", xlim=(-0.02, 1.12), title="accuracy with 95% bootstrap intervals")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    return fig


def across_runs_figure(differences: pd.DataFrame, summary: pd.DataFrame):
    """Each run's difference to the baseline per data set (nbutils.compare.replicates), with the mean and its 95% t-interval."""
    long = differences.assign(label=differences["data"] + " · " + differences["model"])
    s = summary.reset_index().assign(label=lambda d: d["data"] + " · " + d["model"])
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.45 * long["label"].nunique()))
    sns.stripplot(data=long, x="diff", y="label", hue="run", ax=ax, size=7, jitter=False)
    ax.errorbar(s["mean_diff"], s["label"], xerr=[s["mean_diff"] - s["ci_low"], s["ci_high"] - s["mean_diff"]],
                fmt="D", color="black", capsize=4, label="mean, 95% t-interval")
    ax.axvline(0, color="grey", lw=1)
    ax.set(xlabel="accuracy difference to the baseline", ylabel="", title=f"retraining's effect in {long['run'].nunique()} runs")
    ax.legend(fontsize=8, loc="best")
    return fig


def effects_figure(table: pd.DataFrame, contrasts: pd.DataFrame | None = None):
    """One row per arm (difference to the baseline model) and per arm contrast: the difference per data set, 95% CI."""
    t = table.reset_index()
    rows = [(f"{m} − {t.loc[t['diff'].isna(), 'model'].iloc[0]}", g) for m, g in t[t["diff"].notna()].groupby("model", sort=False)]
    if contrasts is not None and len(contrasts):
        rows += [(name, g) for name, g in contrasts.reset_index().groupby("contrast", sort=False)]
    fig, axes = plt.subplots(len(rows), 1, figsize=(8, 0.6 + 0.32 * len(rows) * max(len(g) for _, g in rows)), sharex=True, squeeze=False)
    for ax, (name, g) in zip(axes[:, 0], rows):
        y = np.arange(len(g))
        ax.errorbar(g["diff"], y, xerr=[g["diff"] - g["diff_ci_low"], g["diff_ci_high"] - g["diff"]], fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=1)
        ax.set_yticks(y, g["data"])
        ax.set_title(name, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("accuracy difference (95% paired bootstrap interval)")
    fig.tight_layout()
    return fig
