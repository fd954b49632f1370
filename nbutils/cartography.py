"""Data-map metrics and regions, vectorised over the (examples × logging points) dynamics matrix.

Formulas follow the original Dataset Cartography code (allenai/cartography, `compute_train_dy_metrics`):
confidence = mean gold probability; variability = population standard deviation (np.std);
correctness = fraction of points predicted right; forgetfulness = learned→forgotten transitions,
with never-learned examples marked apart (the original stores 1000; we store -1 and `never_learned`);
threshold_closeness = confidence · (1 − confidence).

Map table (`outputs/<run>/datamap.parquet`): example_id, gold_label, confidence, variability, correctness,
correct_count, forgetfulness, never_learned, threshold_closeness, region.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from .dynamics import DynamicsMatrix
from .errors import WorkbookError

REGIONS = ("easy-to-learn", "ambiguous", "hard-to-learn", "other")


def forgetfulness(correct: np.ndarray) -> np.ndarray:
    """Learned→forgotten transitions per row of a boolean (examples × points) array; -1 if never learned."""
    c = correct.astype(np.int8)
    forgot = ((c[:, :-1] == 1) & (c[:, 1:] == 0)).sum(axis=1)
    return np.where(c.any(axis=1), forgot, -1)


def compute_metrics(m: DynamicsMatrix) -> pd.DataFrame:
    """One row per example with every cartography metric."""
    if m.n_points < 2:
        raise WorkbookError(f"the dynamics hold {m.n_points} logging point(s); variability needs at least 2. "
                            "Train for more epochs or set logs_per_epoch > 1 (dynamics_mode='eval_pass').")
    conf = m.gold_prob.mean(axis=1)
    forget = forgetfulness(m.correct)
    return pd.DataFrame({
        "example_id": m.example_ids, "gold_label": m.gold_label, "confidence": conf,
        "variability": m.gold_prob.std(axis=1), "correctness": m.correct.mean(axis=1),
        "correct_count": m.correct.sum(axis=1), "forgetfulness": forget, "never_learned": forget < 0,
        "threshold_closeness": conf * (1 - conf),
    })


@dataclass
class Thresholds:
    """Region bounds; defaults are the mission's."""

    easy_min_confidence: float = 0.8
    easy_max_variability: float = 0.1
    hard_max_confidence: float = 0.4
    hard_max_variability: float = 0.4
    ambiguous_min_confidence: float = 0.4
    ambiguous_max_confidence: float = 0.6
    ambiguous_min_variability: float = 0.3

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not 0.0 <= value <= 1.0:
                raise WorkbookError(f"{name}={value}: thresholds are probabilities or deviations between 0 and 1.")
        if self.ambiguous_min_confidence > self.ambiguous_max_confidence:
            raise WorkbookError(f"ambiguous_min_confidence={self.ambiguous_min_confidence} is above "
                                f"ambiguous_max_confidence={self.ambiguous_max_confidence}: swap them.")

    def as_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def assign_regions(metrics: pd.DataFrame, t: Thresholds) -> pd.Series:
    """Region per example by thresholds; an example meeting several takes the first of ambiguous, hard, easy."""
    conf, var = metrics["confidence"].to_numpy(), metrics["variability"].to_numpy()
    amb = (conf >= t.ambiguous_min_confidence) & (conf <= t.ambiguous_max_confidence) & (var > t.ambiguous_min_variability)
    hard = (conf < t.hard_max_confidence) & (var < t.hard_max_variability)
    easy = (conf > t.easy_min_confidence) & (var < t.easy_max_variability)
    codes = np.select([amb, hard, easy], [REGIONS.index("ambiguous"), REGIONS.index("hard-to-learn"), REGIONS.index("easy-to-learn")],
                      default=REGIONS.index("other"))
    return pd.Series(np.array(REGIONS, dtype=object)[codes], index=metrics.index, name="region")


def assign_regions_by_rank(metrics: pd.DataFrame, percent: float = 33.0) -> pd.Series:
    """The paper's mode: top percent by variability ambiguous, then lowest confidence hard, highest easy."""
    n = len(metrics)
    k = int(round(n * percent / 100))
    region = np.full(n, "other", dtype=object)
    by_var = np.argsort(-metrics["variability"].to_numpy(), kind="stable")
    region[by_var[:k]] = "ambiguous"
    by_conf = np.argsort(metrics["confidence"].to_numpy(), kind="stable")
    free = by_conf[region[by_conf] == "other"]
    region[free[:k]] = "hard-to-learn"
    free = by_conf[::-1][region[by_conf[::-1]] == "other"]
    region[free[:k]] = "easy-to-learn"
    return pd.Series(region, index=metrics.index, name="region")


def region_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Counts per region (rows) × gold label (columns), with totals; regions and labels that occur, in fixed order."""
    from .labels import LABELS
    r = pd.Categorical(table["region"], categories=REGIONS).codes.astype(np.int64)
    g = table["gold_label"].to_numpy(dtype=np.int64)
    counts = np.bincount(r * len(LABELS) + g, minlength=len(REGIONS) * len(LABELS)).reshape(len(REGIONS), len(LABELS))
    ct = pd.DataFrame(counts, index=pd.Index(REGIONS, name="region"), columns=pd.Index(LABELS, name="gold_label"))
    ct = ct.loc[ct.sum(axis=1) > 0, ct.sum(axis=0) > 0]
    ct["total"] = ct.sum(axis=1)
    ct.loc["total"] = ct.sum(axis=0)
    return ct
