"""Batches that mix the retraining set's regions in its proportions, so no batch is all-easy or all-hard."""
from __future__ import annotations

import math
from typing import Iterator, Sequence

import numpy as np
import pandas as pd
import torch


class RegionBalancedBatchSampler(torch.utils.data.Sampler):
    """Every index once per epoch; batch k holds each region's share of the first (k+1)·B indices, minus what came before.

    Cumulative largest-remainder rounding keeps each batch within one pair of share × batch size, the last batch included.
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
        queues = {r: rng.permutation(idx) for r, idx in self.groups.items()}
        n, taken = len(self.regions), {r: 0 for r in self.groups}
        for k in range(len(self)):
            end = min((k + 1) * self.batch_size, n)
            targets = _cumulative_quota({r: len(idx) for r, idx in self.groups.items()}, n, end)
            batch = np.concatenate([queues[r][taken[r]:targets[r]] for r in self.groups])
            taken = targets
            yield rng.permutation(batch).tolist()


def _cumulative_quota(sizes: dict[str, int], n: int, end: int) -> dict[str, int]:
    """How many of each region the first `end` indices hold, summing to `end` exactly (largest remainder)."""
    exact = {r: end * s / n for r, s in sizes.items()}
    quota = {r: min(sizes[r], math.floor(v)) for r, v in exact.items()}
    for r in sorted(exact, key=lambda r: exact[r] - math.floor(exact[r]), reverse=True):
        if sum(quota.values()) >= end:
            break
        if quota[r] < sizes[r]:
            quota[r] += 1
    return quota


def batch_composition(mix: pd.DataFrame, batch_size: int, seed: int = 42) -> pd.DataFrame:
    """Region counts of every batch the balanced sampler yields for the whole mix (one epoch)."""
    regions = mix["region"].to_numpy()
    rows = [pd.Series(regions[b]).value_counts().rename(k) for k, b in enumerate(RegionBalancedBatchSampler(regions, batch_size, seed))]
    return pd.DataFrame(rows).fillna(0).astype(int).rename_axis("batch")
