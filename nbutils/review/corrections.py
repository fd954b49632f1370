"""The review's record: every decision on a suspected label error, written the moment it is made, never rewritten.

`outputs/<run>/review/corrections.csv`, one row per decision in the order made. Append-only: the latest decision for a
pair counts (by decided_at, then file order) and every earlier one stays. Columns:
    example_id   the pair (nbutils.data.pairs)
    given_label  the label the run trained it on: entailment | neutral | contradiction
    action       keep | relabel | drop
    new_label    the label it takes, for relabel only (empty otherwise)
    reviewer     who decided: a name, the OS user, or oracle:planted / oracle:consensus for a simulated review
    decided_at   UTC, ISO 8601 (2026-12-07T13:05:00+00:00)
    note         free text
    flagged_by   the triage score that ranked the pair (nbutils.review.triage), or spreadsheet
    score        that score's value
    rank         the pair's rank among the suspects (1 = most suspect)

The same review outside JupyterLab: `export_sheet` writes the suspects with empty action, new_label and note columns
for a spreadsheet; `read_sheet` reads the filled file back (rows with no action are not yet decided and are counted).
"""
from __future__ import annotations

import csv
import getpass
import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import WorkbookError
from ..labels import LABEL_TO_ID, LABELS

COLUMNS = ("example_id", "given_label", "action", "new_label", "reviewer", "decided_at", "note", "flagged_by", "score", "rank")
ACTIONS = ("keep", "relabel", "drop")
SHEET_COLUMNS = ("action", "new_label", "note")


def path_for(run_name: str) -> Path:
    """The run's corrections file (it may not exist yet)."""
    return paths.review_dir(run_name) / "corrections.csv"


def reviewer_name(given: str = "") -> str:
    """The reviewer: the parameter if set, else the OS user."""
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER", "unknown")


def now() -> str:
    """The time of a decision: UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def decision(pair: dict | pd.Series, action: str, new_label: str = "", reviewer: str = "", note: str = "",
             flagged_by: str = "", score: float = float("nan"), rank: int | None = None) -> dict:
    """One row of the file for a pair (example_id and given_label, a name or an id), checked."""
    given = pair["given_label"] if "given_label" in pair else LABELS[int(pair["gold_label"])]
    row = {"example_id": str(pair["example_id"]), "given_label": given, "action": action,
           "new_label": new_label if action == "relabel" else "", "reviewer": reviewer_name(reviewer), "decided_at": now(),
           "note": note, "flagged_by": flagged_by, "score": score, "rank": "" if rank is None else int(rank)}
    problem = _problem(row)
    if problem:
        raise WorkbookError(f"pair {row['example_id']}: {problem}")
    return row


def record(path: Path, rows: list[dict]) -> None:
    """Append decisions to the file at once (header first if it is new), flushed to disk before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        if new:
            writer.writeheader()
        writer.writerows(rows)
        f.flush()
        os.fsync(f.fileno())


def read(path: Path, pairs: pd.DataFrame) -> pd.DataFrame:
    """Every decision of a corrections file, each row checked against the run's pairs (example_id, gold_label)."""
    if not Path(path).exists():
        raise WorkbookError(f"{paths.shown(path)}: no such corrections file. Review in notebook 03 or give the path of one.")
    rows, lines = _rows(path, required=COLUMNS[:6])
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    _check(table, lines, pairs, path, "corrections file")
    return table.assign(line=lines)


def latest(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decision that counts for each pair: the latest by decided_at, then by file order."""
    if decisions.empty:
        return decisions
    order = decisions.assign(_at=pd.to_datetime(decisions["decided_at"], utc=True, format="ISO8601"), _i=np.arange(len(decisions)))
    return order.sort_values(["_at", "_i"]).groupby("example_id", sort=False).tail(1).drop(columns=["_at", "_i"]).reset_index(drop=True)


def apply(pairs: pd.DataFrame, decided: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The pairs with the decisions applied (relabelled ones take the new label, dropped ones go) and the counts."""
    act = decided.set_index("example_id")
    action = pairs["example_id"].map(act["action"])
    new = pairs["example_id"].map(act["new_label"].map(LABEL_TO_ID))
    out = pairs.assign(gold_label=np.where(action == "relabel", new, pairs["gold_label"]).astype(pairs["gold_label"].dtype))
    out = out[action.to_numpy() != "drop"].reset_index(drop=True)
    counts = {a: int((action == a).sum()) for a in ACTIONS}
    return out, counts


def export_sheet(suspects: pd.DataFrame, path: Path) -> Path:
    """The suspects for a spreadsheet: their columns plus empty action, new_label and note for the reviewer to fill."""
    suspects.assign(**{c: "" for c in SHEET_COLUMNS}).to_csv(path, index=False)
    return path


def read_sheet(path: Path, pairs: pd.DataFrame, reviewer: str = "") -> tuple[list[dict], int]:
    """The decisions of a filled suspects sheet, ready to record, and how many rows were left undecided."""
    rows, lines = _rows(path, required=("example_id", "action"))
    table = pd.DataFrame(rows)
    for col in COLUMNS:
        if col not in table.columns:
            table[col] = ""
    decided = table["action"].fillna("").str.strip() != ""
    table, lines = table[decided].reset_index(drop=True), [n for n, d in zip(lines, decided) if d]
    known = pairs.set_index("example_id")["gold_label"]
    table["given_label"] = [LABELS[int(known[i])] if i in known.index else g for i, g in zip(table["example_id"], table["given_label"])]
    table["reviewer"] = [r or reviewer_name(reviewer) for r in table["reviewer"].fillna("")]
    table["decided_at"] = [d or now() for d in table["decided_at"].fillna("")]
    table["flagged_by"] = table["flagged_by"].replace("", "spreadsheet")
    _check(table, lines, pairs, path, "sheet")
    return table[list(COLUMNS)].to_dict("records"), int((~decided).sum())


def _rows(path: Path, required: tuple[str, ...]) -> tuple[list[dict], list[int]]:
    """The file's rows as dicts (text kept as text) and each row's line number in the file."""
    rows, lines = [], []
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise WorkbookError(f"{paths.shown(path)}, line 1: no column {', '.join(missing)}. A corrections file has the columns "
                                f"{', '.join(COLUMNS)}; a filled sheet at least example_id and action.")
        start = 2
        for row in reader:
            rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
            lines.append(start)
            start = reader.line_num + 1
    return rows, lines


def _problem(row: dict) -> str:
    """What is wrong with one decision ("" when nothing is)."""
    if row["action"] not in ACTIONS:
        return f"action {row['action']!r} is not one of {', '.join(ACTIONS)}"
    if row["given_label"] not in LABELS:
        return f"given_label {row['given_label']!r} is not one of {', '.join(LABELS)}"
    if row["action"] == "relabel":
        if row["new_label"] not in LABELS:
            return f"new_label {row['new_label']!r} is not one of {', '.join(LABELS)}"
        if row["new_label"] == row["given_label"]:
            return f"relabel to {row['new_label']}, the label the pair already has; write keep instead"
    return ""


def _check(table: pd.DataFrame, lines: list[int], pairs: pd.DataFrame, path: Path, what: str) -> None:
    """Every row names a pair of the run with its label, and a decision that can be applied; else one message."""
    known = pairs.set_index("example_id")["gold_label"]
    for row, line in zip(table.to_dict("records"), lines):
        where = f"{paths.shown(path)}, line {line}"
        if row["example_id"] not in known.index:
            raise WorkbookError(f"{where}: pair {row['example_id']!r} is not a training pair of this run. A {what} is read against "
                                "the run whose map it reviews; remove the row or use that run.")
        problem = _problem(row)
        if problem:
            raise WorkbookError(f"{where}: {problem}.")
        if row["given_label"] != LABELS[int(known[row["example_id"]])]:
            raise WorkbookError(f"{where}: pair {row['example_id']!r} has given_label {row['given_label']}, but this run trains it "
                                f"as {LABELS[int(known[row['example_id']])]}: the decision was made on another labelling "
                                "(another label_source or plant_noise). Review this run's map, or use the run it came from.")
        if row["decided_at"]:
            try:
                pd.Timestamp(row["decided_at"])
            except ValueError:
                raise WorkbookError(f"{where}: decided_at {row['decided_at']!r} is not an ISO 8601 time "
                                    "(e.g. 2026-12-07T13:05:00+00:00).") from None
