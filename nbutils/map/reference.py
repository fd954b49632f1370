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

from ..data.pairs import columns_of, read_table
from ..errors import WorkbookError
from ..paths import resolve_input
from .regions import REGIONS, assign_regions_by_rank

ID_COLUMNS = ("example_id", "id", "guid", "pairID")


def from_train_column(train: pd.DataFrame) -> pd.DataFrame | None:
    """The published RoBERTa-large regions the training file carries (None when it carries none)."""
    if "roberta_region" not in train.columns or train["roberta_region"].isna().all():
        return None
    ref = train.loc[train["roberta_region"].notna(), ["example_id", "roberta_region"]].rename(columns={"roberta_region": "region"})
    return normalise_regions(ref, "the train split's roberta_region column")


def load_reference(path: str, train: pd.DataFrame) -> pd.DataFrame:
    """example_id and region of a reference file, joined to this run's training pairs."""
    source = str(resolve_input(path))
    raw = read_table(resolve_input(path))
    id_col = next((c for c in ID_COLUMNS if c in raw.columns), None)
    if id_col is None:
        raise WorkbookError(f"{source}: no id column; name one of {list(ID_COLUMNS)} (found {columns_of(raw)}).")
    if "region" in raw.columns:
        ref = pd.DataFrame({"example_id": raw[id_col].astype(str), "region": raw["region"]})
    elif {"confidence", "variability"} <= set(raw.columns):   # the original code's coordinates: the paper's ranking
        ref = pd.DataFrame({"example_id": raw[id_col].astype(str), "region": assign_regions_by_rank(raw, 33.0).to_numpy()})
    else:
        raise WorkbookError(f"{source}: give a region column, or confidence and variability (found {columns_of(raw)}).")
    ref = normalise_regions(ref, source)
    given, ids = len(ref), set(train["example_id"].astype(str))
    if not ref["example_id"].isin(ids).any() and "cartography_guid" in train.columns:
        guid = train.dropna(subset=["cartography_guid"])
        to_id = dict(zip(guid["cartography_guid"].astype("int64").astype(str), guid["example_id"]))
        ref = ref.assign(example_id=ref["example_id"].str.replace(r"\.0$", "", regex=True).map(to_id)).dropna(subset=["example_id"])
    if not ref["example_id"].isin(ids).any():
        raise WorkbookError(f"{source}: none of its {given:,} ids is a training pair of this run (e.g. "
                            f"{raw[id_col].iloc[0]!r}). Use the same ids as the training file, or the original code's guids "
                            "with a training file that has a cartography_guid column.")
    return ref[ref["example_id"].isin(ids)].drop_duplicates("example_id").reset_index(drop=True)


def normalise_regions(ref: pd.DataFrame, source: str) -> pd.DataFrame:
    names = ref["region"].astype(str).str.strip().str.lower().str.replace(r"[_ ]+", "-", regex=True)
    unknown = sorted(set(names) - set(REGIONS))
    if unknown:
        raise WorkbookError(f"{source}: unknown region name(s) {unknown}; use {list(REGIONS)} (underscores are fine).")
    return ref.assign(region=names.to_numpy())


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
