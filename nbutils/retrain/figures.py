"""Notebook 04's figures: accuracy per retraining epoch, and the set's map after each round."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..map.figures import REGION_COLORS


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
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return fig


def round_maps_figure(maps: list[pd.DataFrame]):
    """The retraining set's data map after each round, side by side (colour: region of that round's map); None without one."""
    if not maps:
        return None
    fig, axes = plt.subplots(1, max(len(maps), 1), figsize=(4 * max(len(maps), 1), 3.6), sharey=True, squeeze=False)
    for ax, m in zip(axes[0], maps):
        for region, g in m.groupby("region"):
            ax.scatter(g["variability"], g["confidence"], s=6, alpha=0.6, c=REGION_COLORS.get(region, "#333"), label=f"{region} ({len(g)})")
        ax.set(title=f"round {int(m['round'].iloc[0])}", xlabel="variability", ylim=(0, 1))
        ax.legend(fontsize=7, loc="lower right")
    axes[0][0].set_ylabel("confidence")
    return fig
