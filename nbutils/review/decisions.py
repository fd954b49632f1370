"""Which review decisions notebook 04's cleaning arms apply, and the line every report that uses simulated ones opens with.

Sources, in order: the oracle when `review_oracle` is set (checks only: nbutils.review.oracle, appending to the run's
corrections file); then `corrections`: "" for the run's own `review/corrections.csv` (none: no cleaning arms), or a
path to another run's corrections file of the same data or to a filled suspects sheet (nbutils.review.corrections). A
sheet's decisions are recorded into the run's corrections file, each once. The decisions applied, the latest per pair,
go to `review/decisions_used.csv` (the corrections columns), which notebook 05 reads for its first line.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import paths
from ..map.table import read_map
from . import corrections, oracle

USED = "decisions_used.csv"


def for_run(run_name: str, source: str = "", review_oracle: str = "", review_budget: float = 0.1, triage_score: str = "aum",
            reviewer: str = "") -> pd.DataFrame | None:
    """The latest decision per pair for the cleaning arms (None when there is none), with what was used said."""
    table = read_map(run_name)
    own = corrections.path_for(run_name)
    (paths.review_dir(run_name) / USED).unlink(missing_ok=True)   # what an earlier try applied says nothing of this one
    said = []   # printed after the line that says the review was simulated, which comes first
    if review_oracle:
        done = oracle.review(run_name, table, review_oracle, review_budget, triage_score)
        said.append(f"review_oracle={review_oracle}: {done['reviewed']:,} top suspects by {triage_score} reviewed "
              f"({done['new_decisions']:,} new decisions: {done['relabel']:,} relabel, {done['keep']:,} keep)")
    path = paths.resolve_input(source) if source else own
    if not path.exists():
        if source:
            corrections.read(path, table)   # one message: no such file
        return None
    if _is_sheet(path):
        rows, undecided = corrections.read_sheet(path, table, reviewer)
        new = _not_yet_recorded(rows, own, table)
        corrections.record(own, new)
        said.append(f"{paths.shown(path)}: {len(rows):,} decisions ({len(new):,} new, recorded in {paths.shown(own)}), "
              f"{undecided:,} rows left undecided")
        path = own
    decided = corrections.latest(corrections.read(path, table))
    decided.drop(columns=["line"]).to_csv(paths.review_dir(run_name) / USED, index=False)
    line = oracle.simulated_line(decided)
    counts = decided["action"].value_counts().reindex(list(corrections.ACTIONS), fill_value=0)
    print("\n".join(filter(None, [line, *said, f"{len(decided):,} pairs decided ({', '.join(f'{a} {n:,}' for a, n in counts.items())}) "
                                        f"from {paths.shown(path)}"])))
    return decided


def simulated(run_name: str) -> str:
    """Notebook 05's first line when notebook 04 cleaned with simulated decisions ("" otherwise)."""
    used = paths.run_dir(run_name) / "review" / USED
    return oracle.simulated_line(pd.read_csv(used, keep_default_na=False)) if used.exists() else ""


def _is_sheet(path: Path) -> bool:
    """A filled suspects sheet (no decided_at column) rather than a corrections file."""
    with open(path, encoding="utf-8") as f:
        return "decided_at" not in f.readline()


def _not_yet_recorded(rows: list[dict], own: Path, table: pd.DataFrame) -> list[dict]:
    """The sheet's decisions that differ from the latest recorded one for their pair (a rerun records nothing twice)."""
    if not own.exists():
        return rows
    last = corrections.latest(corrections.read(own, table)).set_index("example_id")
    same = lambda r: (r["example_id"] in last.index and all(str(last.loc[r["example_id"], k]) == str(r[k])   # noqa: E731
                                                             for k in ("action", "new_label", "note")))
    return [r for r in rows if not same(r)]
