"""The model-selection slice: training pairs held out before mapping, so choosing a checkpoint never looks at reported data.

Notebook 02 and notebook 04 pick every model (best epoch) by accuracy on this slice; SNLI validation, test and the
contrast sets are scored only in notebook 05. The slice is a label-stratified sample of the training file that
shares no pair with any scored set, and is never mapped, retrained on or reported.

With `drop_scored_pairs` (the snli-human profile), a training pair that a scored set also holds (the same id, the id
of a contrast pair's original, or the same premise and hypothesis up to case and spacing) is neither mapped nor held
out: it is dropped and counted in the train split's report. That matters when one file is both trained on and scored
(snli-human trains on SNLI validation, whose pairs are the originals of the counterfactual dev set) or when two files
share pairs. Without it (the default for now), such pairs are kept out of the slice only, by id, and are mapped: the
demo's templated validation pairs repeat 40 of its training pairs, and its map is tuned on them. They are still
counted (`scored_pairs_mapped` in the train split's report) and notebook 01 says so in one line.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..paths import shown
from .pairs import LoadReport, stratified_sample

SPLIT = "model_selection"


SCORED = "also in a scored set (same id, or same premise and hypothesis)"


def in_scored_sets(train: pd.DataFrame, tables: dict[str, pd.DataFrame], contrasts: dict[str, pd.DataFrame],
                   by_text: bool = True) -> np.ndarray:
    """Which training pairs notebook 05 also reports on: validation, test, contrast pairs and their originals (by id,
    and with by_text by the same premise and hypothesis)."""
    ids: set[str] = set()
    texts: set[tuple[str, str]] = set()
    for name, table in [*tables.items(), *contrasts.items()]:
        if name == "train":
            continue
        ids |= set(table["example_id"])
        if "original_id" in table.columns:
            ids |= set(table["original_id"].dropna())
        texts |= set(zip(_plain(table["premise"]), _plain(table["hypothesis"])))
    by_id = train["example_id"].isin(ids).to_numpy()
    if not by_text:
        return by_id
    same_text = [pair in texts for pair in zip(_plain(train["premise"]), _plain(train["hypothesis"]))]
    return by_id | np.array(same_text, dtype=bool)


def scored_kept_line(n: int, mapped: int) -> str:
    """Notebook 01's line when mapped pairs are also scored (drop_scored_pairs off): what it means, and the way out."""
    return (f"{n:,} of the {mapped:,} mapped pairs are also in a scored set (same id, a contrast pair's original, or the same "
            "premise and hypothesis): notebook 05's scores on those sets are partly on pairs the models trained on. "
            "Set drop_scored_pairs: true to keep them out of the map (dropped, counted).")


def _plain(text: pd.Series) -> pd.Series:
    return text.astype(str).str.lower().str.split().str.join(" ")


def hold_out(train: pd.DataFrame, report: LoadReport, n: int, limit: int, scored: np.ndarray, seed: int,
             source: str, drop_scored: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, LoadReport]:
    """(pairs to map, the selection slice, its report): the slice from the pairs no scored set holds, then `limit`
    pairs (0: all) of the rest; with drop_scored the scored pairs are not mapped either (dropped, counted)."""
    if n < 0:
        raise WorkbookError(f"selection_pairs={n}: use 0 (pick the last epoch) or a positive number of pairs.")
    candidates = train[~scored]
    if drop_scored:
        report.drop(SCORED, int(scored.sum()))
    if n and n >= len(candidates):
        raise WorkbookError(f"selection_pairs={n:,} is not smaller than the {len(candidates):,} training pairs of {shown(source)} "
                            f"that no scored set holds: nothing would be left to map. Lower selection_pairs, or use 0 "
                            "to keep the last epoch of every model.")
    if not len(candidates):
        raise WorkbookError(f"every training pair of {shown(source)} is also in a scored set (validation, test or a contrast "
                            "set): nothing is left to map. Point train_file and the scored files at different data.")
    held = stratified_sample(candidates, n, seed) if n else train.iloc[:0]
    rest = (candidates if drop_scored else train).drop(held.index)
    report.drop(f"held out for model selection (selection_pairs={n})", len(held))
    if limit and limit < len(rest):
        sampled = stratified_sample(rest, limit, seed)
        report.drop(f"not sampled (limit={limit})", len(rest) - len(sampled))
        rest = sampled
    report.kept = len(rest)
    slice_report = LoadReport(source=f"held out of {shown(source)}", rows_read=len(held), kept=len(held))
    return rest.reset_index(drop=True), held.reset_index(drop=True), slice_report
