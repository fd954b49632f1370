"""The model-selection slice: training pairs held out before mapping, so choosing a checkpoint never looks at reported data.

Notebook 02 and notebook 04 pick every model (best epoch) by accuracy on this slice; SNLI validation, test and the
contrast sets are scored only in notebook 05. The slice is a label-stratified sample of the training file that
shares no id with any scored set (nor with a contrast pair's original), and is never mapped, retrained on or reported.
"""
from __future__ import annotations

import pandas as pd

from ..errors import WorkbookError
from ..paths import shown
from .pairs import LoadReport, stratified_sample

SPLIT = "model_selection"


def scored_ids(tables: dict[str, pd.DataFrame], contrasts: dict[str, pd.DataFrame]) -> set[str]:
    """Ids of every pair notebook 05 reports on: validation, test, contrast pairs and their originals."""
    ids: set[str] = set()
    for name, table in [*tables.items(), *contrasts.items()]:
        if name == "train":
            continue
        ids |= set(table["example_id"])
        if "original_id" in table.columns:
            ids |= set(table["original_id"].dropna())
    return ids


def hold_out(train: pd.DataFrame, report: LoadReport, n: int, limit: int, exclude: set[str], seed: int,
             source: str) -> tuple[pd.DataFrame, pd.DataFrame, LoadReport]:
    """(pairs to map, the selection slice, its report): the slice first, then `limit` pairs (0: all) of the rest."""
    if n < 0:
        raise WorkbookError(f"selection_pairs={n}: use 0 (pick the last epoch) or a positive number of pairs.")
    candidates = train[~train["example_id"].isin(exclude)]
    if n and n >= len(candidates):
        raise WorkbookError(f"selection_pairs={n:,} is not smaller than the {len(candidates):,} training pairs of {shown(source)} "
                            f"that no scored set holds: nothing would be left to map. Lower selection_pairs, or use 0 "
                            "to keep the last epoch of every model.")
    held = stratified_sample(candidates, n, seed) if n else train.iloc[:0]
    rest = train.drop(held.index)
    report.drop(f"held out for model selection (selection_pairs={n})", len(held))
    if limit and limit < len(rest):
        sampled = stratified_sample(rest, limit, seed)
        report.drop(f"not sampled (limit={limit})", len(rest) - len(sampled))
        rest = sampled
    report.kept = len(rest)
    slice_report = LoadReport(source=f"held out of {shown(source)}", rows_read=len(held), kept=len(held))
    return rest.reset_index(drop=True), held.reset_index(drop=True), slice_report
