"""The retraining set: drawn from the selection by region shares, stratified by label, with the pairs held back to watch.

`outputs/<run>/retrain_set.parquet`: example_id, region, gold_label (+ source_id, augmented when augmentation is on):
the pairs retrained on, written by notebook 04 (nbutils.retrain.stage) and read by notebook 05.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import paths
from ..data.pairs import ids_in, stratified_sample
from ..errors import WorkbookError
from ..labels import LABELS

MIX_FILE = "retrain_set.parquet"
MIX_REGIONS = ("ambiguous", "hard-to-learn", "easy-to-learn")


def build_mix(selection: pd.DataFrame, size: int, shares: dict[str, float], seed: int = 42,
              short_policy: str = "fill") -> tuple[pd.DataFrame, list[str]]:
    """Draw `size` pairs with the given region shares, stratified by gold label; returns the mix and notes.

    A region with too few pairs gives all it has; `short_policy='fill'` tops up from the other regions in
    proportion to their shares, 'fail' raises.
    """
    if abs(sum(shares.values()) - 1) > 1e-6:
        raise WorkbookError(f"region shares {shares} sum to {sum(shares.values()):.3f}; they must sum to 1.")
    if size > len(selection):
        raise WorkbookError(f"retrain_size={size:,} is larger than the {len(selection):,} selected pairs; lower it or widen the regions.")
    have = selection["region"].value_counts()
    want = {r: int(round(size * s)) for r, s in shares.items()}
    want[max(want, key=want.get)] += size - sum(want.values())
    notes = []
    short = {r: want[r] - int(have.get(r, 0)) for r in want if want[r] > have.get(r, 0)}
    if short:
        if short_policy == "fail":
            raise WorkbookError(f"regions too small for the mix: {short} pairs missing. Widen the thresholds or use short_policy='fill'.")
        for r, missing in short.items():
            want[r] -= missing
            notes.append(f"{r}: the map marks no pair of this region (wanted {want[r] + missing:,}); short_policy=fill tops up from the others"
                         if not have.get(r, 0) else f"{r}: wanted {want[r] + missing:,}, has {int(have.get(r, 0)):,}; took all")
        spare = {r: int(have.get(r, 0)) - want[r] for r in want if r not in short}
        deficit = sum(short.values())
        total_share = sum(shares[r] for r in spare) or 1
        for r in sorted(spare, key=lambda r: -shares[r]):
            extra = min(spare[r], int(round(deficit * shares[r] / total_share)), size - sum(want.values()))
            want[r] += extra
            spare[r] -= extra
        for r in sorted(spare, key=lambda r: -spare[r]):  # rounding leftovers go where pairs are spare
            extra = min(spare[r], size - sum(want.values()))
            want[r] += extra
            spare[r] -= extra
        notes += [f"{r}: {want[r]:,} drawn (filled in)" for r in spare]
    parts = [_stratified(selection[selection["region"] == r], n, seed) for r, n in want.items() if n > 0]
    mix = pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return mix[["example_id", "region", "gold_label"]], notes


def _stratified(group: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """n rows of one region keeping its label shares."""
    if n >= len(group):
        return group
    return stratified_sample(group, n, seed)


def region_weights(regions: pd.Series, weights: dict[str, float]) -> np.ndarray:
    """Per-example loss weights by region."""
    return regions.map(lambda r: weights.get(r, 1.0)).to_numpy(dtype=np.float32)


def held_back(selection: pd.DataFrame, mix: pd.DataFrame, per_region: int, seed: int) -> dict[str, pd.DataFrame]:
    """Selected pairs NOT in the mix, up to per_region of each region, to watch for forgetting."""
    rest = selection[~ids_in(selection["example_id"], mix["example_id"])]
    return {r: g.sample(n=min(per_region, len(g)), random_state=seed) for r, g in rest.groupby("region") if r in MIX_REGIONS and len(g)}


def curriculum_stages(mix: pd.DataFrame, order: list[str] | None) -> list[pd.DataFrame]:
    """Cumulative stages (first region, then first two, ...); one stage of everything when order is empty."""
    if not order:
        return [mix]
    unknown = set(order) - set(MIX_REGIONS)
    if unknown:
        raise WorkbookError(f"curriculum {order}: unknown region(s) {sorted(unknown)}; use {list(MIX_REGIONS)}.")
    return [mix[mix["region"].isin(order[: i + 1])] for i in range(len(order))]


def mix_composition(mix: pd.DataFrame) -> pd.DataFrame:
    """Pairs per region × gold label, with each region's share."""
    ct = pd.crosstab(mix["region"], mix["gold_label"].map(dict(enumerate(LABELS))), margins=True, margins_name="total")
    ct["share"] = (ct["total"] / len(mix)).round(3)
    return ct


def write_mix(run_name: str, mix: pd.DataFrame) -> None:
    """Write the run's retraining set."""
    mix.to_parquet(paths.run_dir(run_name) / MIX_FILE, index=False)


def read_mix_ids(run_name: str) -> set[str]:
    """Ids of the run's retraining set; empty when notebook 04 has not run."""
    path = paths.run_dir(run_name) / MIX_FILE
    return set(pd.read_parquet(path)["example_id"]) if path.exists() else set()
