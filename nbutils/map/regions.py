"""Regions of the map: the mission's thresholds or the paper's ranking, and the counts a person reads off them."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..labels import LABELS

REGIONS = ("easy-to-learn", "ambiguous", "hard-to-learn", "other")


def region_name(value) -> str:
    """A region name as written elsewhere (Hard_to_learn, "easy to learn") in ours."""
    return re.sub(r"[_ ]+", "-", str(value).strip().lower())


def normalise_regions(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """Region names as written elsewhere in ours; an unknown name stops with the file."""
    names = table["region"].map(region_name)
    unknown = sorted(set(names) - set(REGIONS))
    if unknown:
        raise WorkbookError(f"{source}: unknown region name(s) {unknown}; use {list(REGIONS)} (underscores are fine).")
    return table.assign(region=names.to_numpy())


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


def region_codes(confidence: np.ndarray, variability: np.ndarray, t: Thresholds) -> np.ndarray:
    """Index into REGIONS per example; an example meeting several bounds takes the first of ambiguous, hard, easy."""
    amb = (confidence >= t.ambiguous_min_confidence) & (confidence <= t.ambiguous_max_confidence) & (variability > t.ambiguous_min_variability)
    hard = (confidence < t.hard_max_confidence) & (variability < t.hard_max_variability)
    easy = (confidence > t.easy_min_confidence) & (variability < t.easy_max_variability)
    codes = np.full(len(confidence), REGIONS.index("other"), dtype=np.int8)
    codes[easy] = REGIONS.index("easy-to-learn")
    codes[hard] = REGIONS.index("hard-to-learn")
    codes[amb] = REGIONS.index("ambiguous")
    return codes


def assign_regions(metrics: pd.DataFrame, t: Thresholds) -> pd.Series:
    """Region per example by thresholds (see region_codes)."""
    codes = region_codes(metrics["confidence"].to_numpy(), metrics["variability"].to_numpy(), t)
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


def regions_for(metrics: pd.DataFrame, thresholds: Thresholds, region_mode: str = "thresholds", rank_percent: float = 33.0) -> pd.Series:
    """Regions by the thresholds or by the paper's ranking: one switch shared by the map and the retraining rounds."""
    if region_mode == "thresholds":
        return assign_regions(metrics, thresholds)
    if region_mode == "rank":
        return assign_regions_by_rank(metrics, rank_percent)
    raise WorkbookError(f"region_mode={region_mode!r}: use 'thresholds' or 'rank'.")


def region_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Counts per region (rows) × gold label (columns), with totals; regions and labels that occur, in fixed order."""
    codes = pd.Categorical(table["region"], categories=REGIONS).codes
    return counts_by_code(codes, table["gold_label"].to_numpy())


def counts_by_code(codes: np.ndarray, gold_label: np.ndarray) -> pd.DataFrame:
    """region_counts from region codes (REGIONS indices): one bincount, fast enough for a slider at full SNLI scale."""
    r, g = codes.astype(np.int64), gold_label.astype(np.int64)
    counts = np.bincount(r * len(LABELS) + g, minlength=len(REGIONS) * len(LABELS)).reshape(len(REGIONS), len(LABELS))
    ct = pd.DataFrame(counts, index=pd.Index(REGIONS, name="region"), columns=pd.Index(LABELS, name="gold_label"))
    ct = ct.loc[ct.sum(axis=1) > 0, ct.sum(axis=0) > 0]
    ct["total"] = ct.sum(axis=1)
    ct.loc["total"] = ct.sum(axis=0)
    return ct


def planted_table(table: pd.DataFrame) -> pd.DataFrame | None:
    """Demo runs: planted structure × region, and mean metrics per planted group."""
    if "planted" not in table.columns or table["planted"].isna().all():
        return None
    ct = pd.crosstab(table["planted"], table["region"])
    means = table.groupby("planted")[[c for c in ("confidence", "variability", "correctness") if c in table.columns]].mean().round(3)
    return ct.join(means)
