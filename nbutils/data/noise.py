"""The planted-noise check: flip a share of the mapped training labels at random, and remember which.

A flipped pair gets one of the two other labels (uniformly, with the run's seed) and keeps it through the whole
pipeline, as real annotation noise would. Columns added to the train split: `noise_flipped` (bool) and `clean_label`
(the label before flipping). Notebook 03 then measures how well each map score finds the flipped pairs.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WorkbookError


def plant_noise(train: pd.DataFrame, share: float, seed: int) -> tuple[pd.DataFrame, int]:
    """The table with round(share × pairs) labels flipped; returns it and how many were flipped."""
    check_share(share)
    n = int(round(share * len(train)))
    rng = np.random.default_rng([seed, 13])   # its own stream: the same pairs whatever else the seed draws
    rows = rng.choice(len(train), size=n, replace=False)
    gold = train["gold_label"].to_numpy().copy()
    flipped = np.zeros(len(train), dtype=bool)
    gold[rows] = (gold[rows] + rng.integers(1, 3, size=n)) % 3
    flipped[rows] = True
    return train.assign(clean_label=train["gold_label"].to_numpy(), gold_label=gold, noise_flipped=flipped), n


def check_share(share: float) -> None:
    """plant_noise must leave most labels right: a share in [0, 0.5)."""
    if not 0 <= share < 0.5:
        raise WorkbookError(f"plant_noise={share}: give the share of training labels to flip, at least 0 and below 0.5 "
                            "(e.g. 0.05); 0 turns the check off.")
