"""Figures the notebooks show beside their tables (matplotlib/seaborn; the map itself lives in nbutils.datamap)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from . import paths


def token_length_figure(lengths: pd.DataFrame, max_length: int):
    """Token length of the pairs per split, with the truncation point marked."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    sns.histplot(data=lengths, x="tokens", hue="split", element="step", stat="density", common_norm=False, discrete=True, ax=ax)
    ax.axvline(max_length, color="#b00", ls="--", lw=1)
    ax.set_title(f"tokens per pair (premise + hypothesis); dashed: max_length {max_length}")
    return fig


def learning_curve_figure(summary: dict):
    """Training loss and validation accuracy per epoch."""
    h = pd.DataFrame(summary["epochs"])
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    if "train_loss" in h:
        ax[0].plot(h["epoch"], h["train_loss"], marker="o")
    ax[0].set(title="training loss", xlabel="epoch")
    if "val_accuracy" in h:
        ax[1].plot(h["epoch"], h["val_accuracy"], marker="o", color="C2")
    ax[1].set(title="validation accuracy", xlabel="epoch", ylim=(0, 1))
    fig.tight_layout()
    return fig


def gold_prob_figure(run_name: str):
    """Distribution of the gold-label probability at each logging point."""
    from .dynamics import read_matrix
    m = read_matrix(paths.dynamics_dir(run_name))
    data = pd.DataFrame(m.gold_prob, columns=[f"{e:g}" for e in m.epochs]).melt(var_name="epoch", value_name="gold_prob")
    fig, ax = plt.subplots(figsize=(9, 3.2))
    sns.violinplot(data=data, x="epoch", y="gold_prob", cut=0, inner="quartile", ax=ax, color="#9ecae1")
    ax.set(title=f"gold-label probability of {m.gold_prob.shape[0]:,} training pairs per logging point", ylim=(0, 1))
    return fig


def retrain_curve_figure(summary: dict):
    """Accuracy per retraining epoch on validation and held-back regions (forgetting shows as a drop)."""
    h = pd.DataFrame(summary["history"])
    fig, ax = plt.subplots(figsize=(8, 3.4))
    if h.empty:
        return fig
    h = h.reset_index(drop=True)
    for col in [c for c in h.columns if c.endswith("_accuracy")]:
        ax.plot(h.index + 1, h[col], marker="o", label=col.removesuffix("_accuracy"))
    rounds = h["round"] if "round" in h else pd.Series(1, index=h.index)
    for k in range(1, len(h)):
        if rounds[k] != rounds[k - 1]:
            ax.axvline(k + 0.5, color="#444", ls="--")
        elif h["stage"][k] != h["stage"][k - 1]:
            ax.axvline(k + 0.5, color="#999", ls=":")
    ax.set(xlabel="epoch (all stages in order; dotted: new curriculum stage, dashed: new round)", ylabel="accuracy", ylim=(0, 1.02))
    ax.legend(fontsize=8)
    return fig


def accuracy_ci_figure(table: pd.DataFrame):
    """Accuracy per model and data set with 95% bootstrap intervals."""
    t = table.reset_index()
    fig, ax = plt.subplots(figsize=(8, 3.4))
    data_sets = list(dict.fromkeys(t["data"]))
    models = list(dict.fromkeys(t["model"]))
    width = 0.8 / len(models)
    for i, m in enumerate(models):
        g = t[t["model"] == m].set_index("data").loc[data_sets]
        x = np.arange(len(data_sets)) + i * width
        ax.bar(x, g["accuracy"], width, label=m, yerr=[g["accuracy"] - g["ci_low"], g["ci_high"] - g["accuracy"]], capsize=3)
    ax.set_xticks(np.arange(len(data_sets)) + width * (len(models) - 1) / 2, data_sets)
    ax.set(ylabel="accuracy", ylim=(0, 1), title="accuracy with 95% bootstrap intervals")
    ax.legend()
    return fig



def round_maps_figure(maps: list[pd.DataFrame]):
    """The retraining set's data map after each round, side by side (colour: region of that round's map)."""
    from .datamap import REGION_COLORS
    fig, axes = plt.subplots(1, max(len(maps), 1), figsize=(4 * max(len(maps), 1), 3.6), sharey=True, squeeze=False)
    for ax, m in zip(axes[0], maps):
        for region, g in m.groupby("region"):
            ax.scatter(g["variability"], g["confidence"], s=6, alpha=0.6, c=REGION_COLORS.get(region, "#333"), label=f"{region} ({len(g)})")
        ax.set(title=f"round {int(m['round'].iloc[0])}", xlabel="variability", ylim=(0, 1))
        ax.legend(fontsize=7, loc="lower right")
    axes[0][0].set_ylabel("confidence")
    return fig


def across_runs_figure(differences: pd.DataFrame, summary: pd.DataFrame):
    """Each run's difference to the baseline per data set (nbutils.replicates), with the mean and its 95% t-interval."""
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
