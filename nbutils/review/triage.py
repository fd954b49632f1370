"""Triage: the training pairs most likely mislabelled, ranked by one score of the map, with what people said of each.

`triage_score` picks the ranking (the most suspect first):
    aum         lowest AUM (Pleiss et al., 2020). The default: of the map's scores it found the author labels SNLI's
                validators overruled best in the snli-human study (docs/results.md).
    confidence  lowest confidence (mean gold-label probability).
    cleanlab    lowest label quality from confident learning (nbutils.map.metrics.confident_learning).
A map without the chosen score's column (coordinates without logits) is ranked by the first score it has, and says so.

`outputs/<run>/review/suspects.csv`, the top `triage_top` pairs: rank (1 = most suspect), example_id, premise,
hypothesis, given_label (the label trained on, as a name), region, score (the ranking column's value), then aum,
confidence, label_quality and label_issue where the map has them; where the pairs carry annotator labels also
votes (e.g. "entailment 3 · neutral 2"), agreement and consensus_label (the label most annotators chose).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..data.annotators import majority, voted
from ..errors import WorkbookError
from ..labels import LABELS

SCORES = {"aum": "aum", "confidence": "confidence", "cleanlab": "label_quality"}   # ranked lowest first
SHOWN = ("aum", "confidence", "label_quality", "label_issue")


def pick_score(table: pd.DataFrame, score: str) -> tuple[str | None, str]:
    """The score to rank by and a note: `score` if the map has it, else the first it has (said), None for none."""
    if score not in SCORES:
        raise WorkbookError(f"triage_score={score!r}: choose one of {sorted(SCORES)}.")
    if SCORES[score] in table.columns:
        return score, ""
    has = [k for k, c in SCORES.items() if c in table.columns]
    if not has:
        return None, "this map has no score to rank suspects by (a regions-only map): no triage"
    return has[0], f"this map has no {SCORES[score]} (a map made elsewhere without logits): suspects ranked by {has[0]} instead"


def suspects(table: pd.DataFrame, score: str = "aum", top: int = 1000) -> pd.DataFrame | None:
    """The `top` most suspect pairs by `score`, with their text, region, every score and the annotators' votes."""
    score, note = pick_score(table, score)
    if note:
        print(note)
    if score is None:
        return None
    column = SCORES[score]
    order = np.argsort(table[column].to_numpy(dtype=float), kind="stable")[:top]
    picked = table.iloc[order]
    out = pd.DataFrame({"rank": np.arange(1, len(picked) + 1), "example_id": picked["example_id"].to_numpy(),
                        "premise": picked["premise"].to_numpy(), "hypothesis": picked["hypothesis"].to_numpy(),
                        "given_label": [LABELS[g] for g in picked["gold_label"]],
                        "region": picked["region"].to_numpy() if "region" in picked.columns else "",
                        "score": picked[column].to_numpy()})
    for c in SHOWN:
        if c in picked.columns:
            out[c] = picked[c].to_numpy()
    if voted(picked).any():
        out["votes"] = votes_text(picked)
        out["agreement"] = picked["agreement"].to_numpy()
        out["consensus_label"] = [consensus(d) for d in picked["human_dist"]]
    return out


def consensus(dist) -> str:
    """The label most annotators chose; "no majority" on a tie, "" without annotator labels."""
    if not isinstance(dist, np.ndarray):
        return ""
    label = majority(dist)
    return LABELS[label] if label >= 0 else "no majority"


def votes_text(table: pd.DataFrame) -> list[str]:
    """Each pair's annotator votes as text, largest first ("" for a pair without several annotators' labels)."""
    out = []
    for dist, n, has in zip(table["human_dist"], table["n_annotators"], voted(table)):
        if not has:
            out.append("")
            continue
        counts = np.rint(np.asarray(dist, dtype=float) * n).astype(int)
        out.append(" · ".join(f"{LABELS[k]} {counts[k]}" for k in np.argsort(-counts, kind="stable") if counts[k]))
    return out


def write(run_name: str, table: pd.DataFrame) -> Path:
    """review/suspects.csv in the run folder."""
    path = paths.review_dir(run_name) / "suspects.csv"
    table.to_csv(path, index=False)
    return path
