"""Every annotator's label, kept beside the consensus, so the map and the models can be checked against people.

Columns the pair table gains where a source carries annotator labels (nbutils.data.pairs):
    n_annotators  int64         how many labels stand behind the pair (SNLI: 5, a few pairs 4); 0 where the source
                                gives shares only (label_dist), which say nothing of how many people
    agreement     float64       the largest label's share (1.0 unanimous, 0.8 for 4 of 5, 0.6 for 3 of 5)
    human_dist    list<float64> the labels' shares in entailment, neutral, contradiction order
    first_label   int64         the first label listed: in SNLI's files the author's own (the validators' follow);
                                -1 where the source gives counts or shares, which keep no order
Accepted inputs (the first one present is read):
    annotator_labels  a list of label names or ids per pair: SNLI's field, in JSON Lines or Parquet as a list, in CSV or
                      TSV as a cell holding a JSON or Python list (["neutral", "entailment", ...])
    label_count       whole counts >= 0, entailment, neutral, contradiction (ChaosNLI's field)
    label_dist        shares >= 0 summing to 1, in the same order (ChaosNLI's field)
A bad row stops the load with its file and line: an unknown label name, an empty list, counts that are not whole
numbers >= 0, shares that do not sum to 1, or a pair without annotator labels in a file whose other pairs have them.
"""
from __future__ import annotations

import ast
import json
from itertools import chain

import numpy as np
import pandas as pd

from ..errors import WorkbookError
from ..labels import LABEL_ALIASES, LABELS

FIELDS = ("annotator_labels", "label_count", "label_dist")
COLUMNS = ("n_annotators", "agreement", "human_dist", "first_label")
SUM_SLACK = 1e-3   # shares written with three decimals still sum to 1 within this


def annotator_columns(df: pd.DataFrame, source: str, where) -> pd.DataFrame | None:
    """The four columns for every row of a raw table (None when it carries no annotator labels); `where(i)` names row i's
    place in the file ("line 12")."""
    field = next((f for f in FIELDS if f in df.columns), None)
    if field is None:
        return None
    values = _lists(df[field], field, source, where)
    if field == "annotator_labels":
        counts, first = _from_labels(values, source, where)
        n = counts.sum(axis=1)
        dist = counts / n[:, None]
    else:
        table = _numbers(values, field, source, where)
        first = np.full(len(df), -1, dtype=np.int64)
        if field == "label_count":
            whole = np.isclose(table, np.round(table)).all(axis=1) & (table >= 0).all(axis=1) & (table.sum(axis=1) > 0)
            _refuse(~whole, lambda i: f"label_count {values[i]} is not whole counts >= 0 with at least one",
                    source, where, "Give how many annotators chose entailment, neutral and contradiction.")
            n = np.round(table).astype(np.int64).sum(axis=1)
            dist = table / table.sum(axis=1, keepdims=True)
        else:
            fine = (table >= 0).all(axis=1) & (np.abs(table.sum(axis=1) - 1) <= SUM_SLACK)
            _refuse(~fine, lambda i: f"label_dist {values[i]} does not hold shares >= 0 that sum to 1 (they sum to "
                    f"{table[i].sum():g})", source, where, "Give each label's share of the annotators, entailment, neutral, contradiction.")
            n = np.zeros(len(df), dtype=np.int64)
            dist = table / table.sum(axis=1, keepdims=True)
    return pd.DataFrame({"n_annotators": n.astype(np.int64), "agreement": dist.max(axis=1),
                         "human_dist": list(dist), "first_label": first}, index=df.index)


def has_annotators(table: pd.DataFrame) -> bool:
    """Whether a pair table carries annotator labels."""
    return "human_dist" in table.columns


def annotator_line(train: pd.DataFrame) -> str:
    """Notebook 01's one line: whether the training pairs carry annotator labels, and what that allows."""
    if not has_annotators(train):
        return ("no annotator labels in this data (the hub's SNLI and the demo carry none): the checks of the map and the "
                "models against people are skipped")
    counts = agreement_counts(train)
    trained = ("; trained on the first annotator's label, which differs from the consensus on "
               f"{int((train['gold_label'] != train['consensus_label']).sum()):,} pairs" if "consensus_label" in train.columns else "")
    return (f"annotator labels: {len(train):,} training pairs carry them; agreement "
            + ", ".join(f"{level} {n:,}" for level, n in counts.items()) + trained)


def agreement_levels(table: pd.DataFrame) -> pd.Series:
    """Each pair's agreement level: "5/5", "4/5", "3/5", ... (a share where the number of annotators is unknown)."""
    n, share = table["n_annotators"].to_numpy(), table["agreement"].to_numpy()
    return pd.Series([f"{round(a * k)}/{k}" if k else f"{a:.2f}" for a, k in zip(share, n)], index=table.index, name="agreement")


def agreement_counts(table: pd.DataFrame) -> pd.Series:
    """Pairs per agreement level, from unanimous down."""
    return agreement_levels(table).value_counts().sort_index(ascending=False, key=lambda s: s.map(_level_order))


def histogram_lines(table: pd.DataFrame) -> list[str]:
    """`nbutils data check`'s lines on the annotator labels: how many per pair, and the agreement histogram."""
    counts = agreement_counts(table)
    width = max(counts) if len(counts) else 1
    lines = [f"  annotator labels: {table['n_annotators'].value_counts().sort_index().to_dict()} (labels per pair: pairs); "
             f"the author's label (the first listed) differs from the file's label on "
             f"{int((table['first_label'] >= 0).mul(table['first_label'] != table['gold_label']).sum()):,} pairs"]
    lines += [f"    {level:>5}  {n:>7,}  {'#' * max(1, round(40 * n / width))}" for level, n in counts.items()]
    return lines


def _level_order(level: str) -> float:
    """'4/5' -> 0.8, '0.67' -> 0.67, for sorting agreement levels from unanimous down."""
    if "/" in level:
        a, b = level.split("/")
        return int(a) / int(b) + int(b) * 1e-6
    return float(level)


def _lists(column: pd.Series, field: str, source: str, where) -> list:
    """Each row's value as a Python list (a CSV cell's text parsed); a missing one named by its line."""
    values = column.tolist()
    out = []
    for i, v in enumerate(values):
        if isinstance(v, str):
            try:
                v = json.loads(v)
            except json.JSONDecodeError:
                try:
                    v = ast.literal_eval(v.strip())
                except (ValueError, SyntaxError):
                    raise WorkbookError(f"{source}, {where(i)}: {field} {v[:60]!r} is not a list. Write it as "
                                        '["neutral", "entailment", ...] (a JSON list).') from None
        if isinstance(v, np.ndarray):
            v = v.tolist()
        if not isinstance(v, (list, tuple)):
            raise WorkbookError(f"{source}, {where(i)}: no {field} list ({v!r}) where the file's other pairs have one. Give every "
                                f"pair its {field}, or remove the column.")
        out.append(v)
    return out


def _from_labels(lists: list, source: str, where) -> tuple[np.ndarray, np.ndarray]:
    """Counts per label (pairs x 3) and the first label of each list; unknown names and empty lists named."""
    sizes = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    _refuse(sizes == 0, lambda i: "an empty annotator_labels list", source, where, "Give each pair the labels its annotators chose.")
    flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=int(sizes.sum()))
    codes, written = pd.factorize(flat)   # a few distinct spellings among millions of labels: each is read once
    ids = np.array([LABEL_ALIASES.get(_label_text(w), -1) for w in written], dtype=np.int64)[codes]
    if (ids < 0).any():
        row = np.repeat(np.arange(len(lists)), sizes)
        bad = np.zeros(len(lists), dtype=bool)
        bad[row[ids < 0]] = True
        first_bad = flat[int(np.flatnonzero(ids < 0)[0])]
        _refuse(bad, lambda i: f"unknown label {first_bad!r} in annotator_labels", source, where,
                f"Use {', '.join(LABELS)} (or 0, 1, 2, or e, n, c).")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counts = np.bincount(np.repeat(np.arange(len(lists)), sizes) * 3 + ids, minlength=3 * len(lists)).reshape(len(lists), 3)
    return counts, ids[starts]


def _numbers(lists: list, field: str, source: str, where) -> np.ndarray:
    """Rows of three numbers (entailment, neutral, contradiction); another shape or a non-number named by its line."""
    three = np.fromiter((len(v) == 3 for v in lists), dtype=bool, count=len(lists))
    _refuse(~three, lambda i: f"{field} {lists[i]} does not hold 3 values", source, where,
            "Give entailment, neutral and contradiction, in that order.")
    try:
        table = np.array(lists, dtype=np.float64)
    except (TypeError, ValueError):
        bad = np.array([not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v) for v in lists])
        _refuse(bad, lambda i: f"{field} {lists[i]} holds something that is not a number", source, where, "Give numbers only.")
        raise
    _refuse(~np.isfinite(table).all(axis=1), lambda i: f"{field} {lists[i]} holds a value that is not finite", source, where,
            "Give numbers only.")
    return table


def _label_text(value) -> str:
    """A label as written, as a key of LABEL_ALIASES (1.0 -> '1', ' Neutral ' -> 'neutral')."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def _refuse(bad: np.ndarray, what, source: str, where, fix: str) -> None:
    """One message for a fault on some rows: the first row and what is wrong there, and how many rows share it."""
    rows = np.flatnonzero(bad)
    if len(rows):
        more = f" ({len(rows):,} pairs in all)" if len(rows) > 1 else ""
        raise WorkbookError(f"{source}, {where(int(rows[0]))}: {what(int(rows[0]))}{more}. {fix}")
