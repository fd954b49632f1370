"""A review without a person, for checks only: the top suspects answered with labels the run knows to be right.

`review_oracle`:
    planted    the label before plant_noise flipped it (`clean_label`; runs with plant_noise > 0, e.g. the check profile)
    consensus  the label most annotators chose (`consensus_label` under label_source=first_annotator, else the largest
               share of `human_dist`); a pair without one is kept
It reviews the top `review_budget` suspects of the triage ranking (a share of the mapped pairs below 1, e.g. 0.1, or a
whole count) and writes each decision to the run's corrections file (nbutils.review.corrections) with reviewer
`oracle:<name>`: keep where the truth is the given label, relabel to the truth where it is not. A pair the same oracle
already decided is not decided again, so a resumed run appends nothing twice. Reports that use these decisions say in
their first line that they were simulated (`simulated_line`). A real run has no oracle: it is never run unless asked.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.annotators import has_annotators, majority, voted
from ..errors import WorkbookError
from ..labels import LABELS
from . import corrections, triage

ORACLES = ("planted", "consensus")


def check(oracle: str, planted: bool, annotated: bool) -> None:
    """Refuse an oracle without the truth it answers with (preflight asks before notebook 01; `truth` on the map)."""
    if oracle not in ORACLES:
        raise WorkbookError(f"review_oracle={oracle!r}: choose one of {list(ORACLES)}, or leave it empty for no simulated review.")
    if oracle == "planted" and not planted:
        raise WorkbookError("review_oracle=planted answers with the labels plant_noise flipped, and this run planted no noise. "
                            "Set plant_noise (e.g. the check profile), or use review_oracle=consensus on data with annotator "
                            "labels, or leave review_oracle empty: a real run has no oracle.")
    if oracle == "consensus" and not annotated:
        raise WorkbookError("review_oracle=consensus answers with the annotators' majority, and this run's pairs carry no "
                            "annotator labels. Use SNLI's own files (the snli-human profile), or leave review_oracle empty.")


def truth(table: pd.DataFrame, oracle: str) -> np.ndarray:
    """Each mapped pair's right label by the oracle's lights (-1 where it has none)."""
    check(oracle, "clean_label" in table.columns, "consensus_label" in table.columns or has_annotators(table))
    if oracle == "planted":
        return table["clean_label"].to_numpy(dtype=np.int64)
    if "consensus_label" in table.columns:
        return table["consensus_label"].to_numpy(dtype=np.int64)
    return np.array([majority(d) if has else -1 for d, has in zip(table["human_dist"], voted(table))], dtype=np.int64)


def budget_count(budget: float, pairs: int) -> int:
    """How many suspects the oracle reviews: a share of the mapped pairs (below 1) or a whole count."""
    if budget <= 0 or (budget >= 1 and budget != int(budget)):
        raise WorkbookError(f"review_budget={budget}: a share of the mapped pairs between 0 and 1 (e.g. 0.1) or a whole count.")
    return min(pairs, int(round(budget * pairs)) if budget < 1 else int(budget))


def review(run_name: str, table: pd.DataFrame, oracle: str, budget: float, score: str = "aum") -> dict[str, int]:
    """Decide the top suspects as the oracle would, append the decisions, and count them by action."""
    right = pd.Series(truth(table, oracle), index=table["example_id"])
    n = budget_count(budget, len(table))
    suspects = triage.suspects(table, score, n)
    path, who = corrections.path_for(run_name), f"oracle:{oracle}"
    done = set()
    if path.exists():
        before = corrections.read(path, table)
        done = set(before.loc[before["reviewer"] == who, "example_id"])
    rows = []
    for s in suspects.to_dict("records"):
        if s["example_id"] in done:
            continue
        label = int(right[s["example_id"]])
        action = "relabel" if label >= 0 and LABELS[label] != s["given_label"] else "keep"
        rows.append(corrections.decision(s, action, LABELS[label] if action == "relabel" else "", reviewer=who,
                                         note="" if label >= 0 else "no majority among the annotators",
                                         flagged_by=score, score=float(s["score"]), rank=int(s["rank"])))
    corrections.record(path, rows)
    return {"reviewed": n, "new_decisions": len(rows), "relabel": sum(r["action"] == "relabel" for r in rows),
            "keep": sum(r["action"] == "keep" for r in rows)}


def simulated_line(decisions: pd.DataFrame) -> str:
    """The first line of every report whose corrections an oracle made ("" when a person made them all)."""
    who = sorted({r for r in decisions["reviewer"] if str(r).startswith("oracle:")})
    if not who:
        return ""
    return (f"SIMULATED REVIEW: {', '.join(who)} made {int(decisions['reviewer'].isin(who).sum()):,} of the "
            f"{len(decisions):,} decisions, from labels the run knows; no person reviewed these pairs.")
