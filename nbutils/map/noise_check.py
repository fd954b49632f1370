"""How well the map finds the labels the planted-noise check flipped (nbutils.data.noise): one row per score.

Each score is oriented so that a higher value means "more likely flipped": 1 − confidence, 1 − correctness,
variability, forgetfulness (never-learned pairs counted as the most forgetful, as the original code's 1000 does),
−AUM and 1 − cleanlab's label quality (nbutils.map.metrics.confident_learning). For each: ROC AUC (the chance that a
flipped pair outranks a clean one; 0.5 is chance, from the Mann-Whitney U statistic), precision at k (k = the number
flipped: the share flipped among the k top-ranked pairs) and, once for the map, the hard-to-learn region's precision
(share of it flipped) and recall (share of flipped pairs in it).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def suspicion_scores(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every score the map holds, higher = more likely mislabelled (a map made elsewhere may lack some)."""
    cols = set(table.columns)
    scores = {}
    if "confidence" in cols:
        scores["1 − confidence"] = 1 - table["confidence"].to_numpy()
    if "correctness" in cols:
        scores["1 − correctness"] = 1 - table["correctness"].to_numpy()
    if "variability" in cols:
        scores["variability"] = table["variability"].to_numpy()
    if {"forgetfulness", "never_learned"} <= cols:
        forget = table["forgetfulness"].to_numpy(dtype=float)
        scores["forgetfulness"] = np.where(table["never_learned"].to_numpy(), forget.max(initial=0) + 1, forget)
    if "aum" in cols:
        scores["−AUM"] = -table["aum"].to_numpy()
    if "label_quality" in cols:
        scores["1 − label quality (cleanlab)"] = 1 - table["label_quality"].to_numpy()
    return scores


def roc_auc(flipped: np.ndarray, score: np.ndarray) -> float:
    """P(score of a flipped pair > score of a clean one), ties counting half (Mann-Whitney U / (n1 · n0))."""
    from scipy.stats import mannwhitneyu
    pos, neg = score[flipped], score[~flipped]
    return float(mannwhitneyu(pos, neg).statistic / (len(pos) * len(neg)))


def precision_at_k(flipped: np.ndarray, score: np.ndarray, k: int) -> float:
    """Share of flipped pairs among the k highest scores (ties broken by table order)."""
    top = np.argsort(-score, kind="stable")[:k]
    return float(flipped[top].mean()) if k else float("nan")


def check_table(table: pd.DataFrame) -> pd.DataFrame | None:
    """One row per score: ROC AUC and precision at k; None when the run planted no noise."""
    if "noise_flipped" not in table.columns or not table["noise_flipped"].any() or not suspicion_scores(table):
        return None
    return detection_rows(table["noise_flipped"].to_numpy(dtype=bool), table)


def detection_rows(target: np.ndarray, table: pd.DataFrame) -> pd.DataFrame:
    """One row per score of the map: how well it ranks the target pairs first (ROC AUC, precision at k = their count)."""
    k = int(target.sum())
    rows = [{"score": name, "roc_auc": roc_auc(target, s), f"precision_at_{k}": precision_at_k(target, s, k)}
            for name, s in suspicion_scores(table).items()]
    return pd.DataFrame(rows).set_index("score")


def hard_region_table(table: pd.DataFrame) -> pd.DataFrame | None:
    """The hard-to-learn region as a detector of flipped pairs: its size, precision and recall, against the base rate."""
    if "noise_flipped" not in table.columns or not table["noise_flipped"].any():
        return None
    flipped = table["noise_flipped"].to_numpy(dtype=bool)
    hard = (table["region"] == "hard-to-learn").to_numpy()
    return pd.DataFrame([{"pairs": len(table), "flipped": int(flipped.sum()), "hard_to_learn": int(hard.sum()),
                          "precision": flipped[hard].mean() if hard.any() else float("nan"), "recall": hard[flipped].mean(),
                          "base_rate": flipped.mean()}])


def flipped_figure(table: pd.DataFrame, sample_points: int = 25_000):
    """The map with the flipped pairs in red over the clean ones in grey."""
    import matplotlib.pyplot as plt

    from .figures import sample_for_drawing
    shown = sample_for_drawing(table, sample_points)
    flipped = shown["noise_flipped"].astype(bool)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    ax.scatter(shown.loc[~flipped, "variability"], shown.loc[~flipped, "confidence"], s=5, c="#bbbbbb", alpha=0.5, label="clean")
    ax.scatter(shown.loc[flipped, "variability"], shown.loc[flipped, "confidence"], s=9, c="#d62728", alpha=0.8,
               label=f"flipped ({int(table['noise_flipped'].sum()):,})")
    ax.set(xlabel="variability", ylabel="confidence", ylim=(0, 1), title="where the planted-noise pairs land")
    ax.legend(loc="lower right")
    return fig
