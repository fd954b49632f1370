"""Batches that mix the retraining set's regions in its proportions, so no batch is all-easy or all-hard."""
from __future__ import annotations

import math
from typing import Iterator, Sequence

import numpy as np
import pandas as pd
import torch


class RegionBalancedBatchSampler(torch.utils.data.Sampler):
    """Every index exactly once per epoch, each batch holding the regions in about their shares of the set.

    Each region's indices are shuffled and spread evenly over the epoch: the i-th of a region of size s sits at
    position (i + 0.5) / s; all indices in that order, cut into batches of B, give every region its share of each
    batch within two pairs (any region sizes, however small), and the batch order follows the shuffled queues.
    """

    def __init__(self, regions: Sequence[str], batch_size: int, seed: int = 0):
        self.regions = np.asarray(regions, dtype=object)
        self.batch_size, self.seed, self.epoch = batch_size, seed, 0
        self.groups = {r: np.flatnonzero(self.regions == r) for r in sorted(set(self.regions))}

    def __len__(self) -> int:
        return math.ceil(len(self.regions) / self.batch_size)

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng(self.seed + self.epoch)
        self.epoch += 1
        queues = [rng.permutation(idx) for idx in self.groups.values()]
        order = np.concatenate(queues)
        position = np.concatenate([(np.arange(len(q)) + 0.5) / len(q) for q in queues])
        order = order[np.argsort(position, kind="stable")]
        for start in range(0, len(order), self.batch_size):
            yield rng.permutation(order[start:start + self.batch_size]).tolist()


def batch_composition(mix: pd.DataFrame, batch_size: int, seed: int = 42) -> pd.DataFrame:
    """Region counts of every batch the balanced sampler yields for the whole mix (one epoch)."""
    regions = mix["region"].to_numpy()
    rows = [pd.Series(regions[b]).value_counts().rename(k) for k, b in enumerate(RegionBalancedBatchSampler(regions, batch_size, seed))]
    return pd.DataFrame(rows).fillna(0).astype(int).rename_axis("batch")


def first_and_last(batches: pd.DataFrame, first: int = 3, last: int = 2) -> pd.DataFrame:
    """The first and last few rows, each once: a set of fewer batches than that is shown whole."""
    n = len(batches)
    return batches.iloc[sorted({*range(min(first, n)), *range(max(n - last, 0), n)})]
