"""Notebook 02's figures: the learning curve and how gold-label probabilities move."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from .. import paths
from .dynamics import read_matrix


def learning_curve_figure(summary: dict):
    """Training loss and model-selection slice accuracy per epoch (validation is scored only in notebook 05)."""
    h = pd.DataFrame(summary["epochs"])
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    if "train_loss" in h:
        ax[0].plot(h["epoch"], h["train_loss"], marker="o")
    ax[0].set(title="training loss", xlabel="epoch")
    if "selection_accuracy" in h:
        ax[1].plot(h["epoch"], h["selection_accuracy"], marker="o", color="C2")
    ax[1].set(title="model-selection slice accuracy", xlabel="epoch", ylim=(0, 1))
    fig.tight_layout()
    return fig


def gold_prob_figure(run_name: str):
    """Distribution of the gold-label probability at each logging point."""
    m = read_matrix(paths.dynamics_dir(run_name))
    data = pd.DataFrame(m.gold_prob, columns=[f"{e:g}" for e in m.epochs]).melt(var_name="epoch", value_name="gold_prob")
    fig, ax = plt.subplots(figsize=(9, 3.2))
    sns.violinplot(data=data, x="epoch", y="gold_prob", cut=0, inner="quartile", ax=ax, color="#9ecae1")
    ax.set(title=f"gold-label probability of {m.gold_prob.shape[0]:,} training pairs per logging point", ylim=(0, 1))
    return fig
