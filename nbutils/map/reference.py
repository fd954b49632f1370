"""A reference map to hold this run's map against, e.g. the published RoBERTa-large map of SNLI.

Sources:
- a file (JSON Lines, CSV, TSV or Parquet, optionally gzipped) with an id (`example_id`, `id`, `guid` or `pairID`) and
  a `region`; or the original cartography code's coordinates (`guid`, `confidence`, `variability`, as in its
  `td_metrics.jsonl` / data-map coordinates files), whose regions are then assigned by the paper's ranking (33% each).
  Ids may be this run's example ids or the original code's integer guids (joined through the train split's
  `cartography_guid` column, which the shared SNLI subset carries).
- the train split's own `roberta_region` column (the shared subset: RoBERTa-large's ambiguous and hard-to-learn
  pairs, on 6,563 of its pairs), used when no file is given.
Region names: easy-to-learn, ambiguous, hard-to-learn, other; underscores and spaces are read as hyphens.
"""
from __future__ import annotations

import pandas as pd

from .regions import assign_regions_by_rank, normalise_regions
from .sources import SourceTable, join_ids, read_source


def from_train_column(train: pd.DataFrame) -> pd.DataFrame | None:
    """The published RoBERTa-large regions the training file carries (None when it carries none)."""
    if "roberta_region" not in train.columns or train["roberta_region"].isna().all():
        return None
    ref = train.loc[train["roberta_region"].notna(), ["example_id", "roberta_region"]].rename(columns={"roberta_region": "region"})
    return normalise_regions(ref, "the train split's roberta_region column")


def load_reference(path: str, train: pd.DataFrame) -> pd.DataFrame:
    """example_id and region of a reference file's pairs that are training pairs of this run (checked and read as
    notebook 03's maps are; coordinates ranked over all the file's rows before the join)."""
    checked = read_source("reference", path)
    if checked.kind == "coordinates":   # the original code's coordinates: the paper's ranking
        regions = assign_regions_by_rank(checked.table, 33.0).to_numpy()
        checked = SourceTable("regions", checked.source, checked.table[["source_id", "line"]].assign(region=regions), checked.rows)
    return join_ids(checked, train)[0][["example_id", "region"]]


def agreement_table(run_map: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Per reference region: pairs, share that land in the same region here, that region's share of the whole map, lift."""
    here = run_map.set_index("example_id")["region"]
    joined = reference.assign(here=reference["example_id"].map(here)).dropna(subset=["here"])
    base = here.value_counts(normalize=True)
    rows = []
    for region, g in joined.groupby("region", sort=False):
        same = (g["here"] == region).mean()
        rows.append({"reference_region": region, "pairs": len(g), "same_region_here": same,
                     "base_rate_here": base.get(region, 0.0), "lift": same / base[region] if base.get(region, 0) else float("nan")})
    return pd.DataFrame(rows).set_index("reference_region")


def as_moves(run_map: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """The reference's pairs as region_before (reference) and region_after (this map), for the migration view."""
    here = run_map.set_index("example_id")["region"]
    joined = reference.assign(region_after=reference["example_id"].map(here)).dropna(subset=["region_after"])
    moves = joined.rename(columns={"region": "region_before"})
    return moves.assign(agree=moves["region_before"] == moves["region_after"])
