"""Retraining rounds: each round's map of the set sorts it into regions again, and a table follows where pairs went.

`outputs/<run>/rounds/round_<k>/dynamics/`: the set's dynamics in round k (eval passes in its last stage);
`outputs/<run>/rounds/round_maps.parquet`: example_id, cartography metrics, region, round.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from ..map.migration import per_example
from ..map.regions import Thresholds, regions_for
from ..map.table import read_map
from .mix import MIX_REGIONS


def map_regions(thresholds: dict, region_mode: str = "thresholds", rank_percent: float = 33.0) -> Callable[[pd.DataFrame], pd.Series]:
    """How each round's map sorts the set into regions: notebook 03's rule with the selection's thresholds."""
    bounds = Thresholds(**thresholds) if thresholds else Thresholds()
    return lambda metrics: regions_for(metrics, bounds, region_mode, rank_percent)


def rounds_table(mix: pd.DataFrame, maps: list[pd.DataFrame]) -> pd.DataFrame | None:
    """Per round: how many pairs ambiguous before it (round 1: in the selection's map) ended in each region after it.

    None when no round was mapped (an arm other than `selected`, e.g. arms=[paper, paper_random])."""
    if not maps:
        return None
    before = mix.set_index("example_id")["region"]
    rows = []
    for m in maps:
        after = m.set_index("example_id")["region"]
        amb = before.index[before == "ambiguous"]
        moved = after.reindex(amb).value_counts()
        rows.append({"round": int(m["round"].iloc[0]), "ambiguous before": len(amb),
                     **{f"now {r}": int(moved.get(r, 0)) for r in ("easy-to-learn", "ambiguous", "hard-to-learn", "other")}})
        before = after.where(after.isin(MIX_REGIONS), before.reindex(after.index))
    return pd.DataFrame(rows).set_index("round")


def retrain_set_moves(run_name: str, mix: pd.DataFrame, round_map: pd.DataFrame) -> pd.DataFrame:
    """The retraining set's pairs: region in the selection (metrics from notebook 03's map) vs a round's map."""
    before = read_map(run_name).drop(columns="region").merge(mix[["example_id", "region"]], on="example_id")
    return per_example(before, round_map)
