"""Every annotator's label, kept beside the consensus, so the map and the models can be checked against people.

Columns the pair table gains where a source carries annotator labels (nbutils.data.pairs):
    n_annotators  int64         how many labels stand behind the pair (SNLI: 5, a few pairs 4); 0 where the source
                                gives shares only (label_dist), which say nothing of how many people, or none
    agreement     float64       the largest label's share (1.0 unanimous, 0.8 for 4 of 5, 0.6 for 3 of 5); NaN: none
    human_dist    list<float64> the labels' shares in entailment, neutral, contradiction order; null: none
    first_label   int64         the first label listed: in SNLI's files the author's own (the validators' follow);
                                -1 where the source gives counts or shares, which keep no order
Accepted inputs (the first one present is read):
    annotator_labels  a list of label names or ids per pair: SNLI's field, in JSON Lines or Parquet as a list, in CSV or
                      TSV as a cell holding a JSON or Python list (["neutral", "entailment", ...])
    label_count       whole counts >= 0, entailment, neutral, contradiction (ChaosNLI's field)
    label_dist        shares >= 0 summing to 1, in the same order (ChaosNLI's field)
A bad row stops the load with its file and line: an unknown label name, an empty list, counts that are not whole
numbers >= 0, or shares that do not sum to 1. A null field means the pair has none (SNLI's train file gives lists for
the pairs it validated only); a pair with one label (its author's alone) says nothing of agreement. The checks against
people use the pairs with several labels (`voted`) and say how many those are.
"""
from __future__ import annotations

import ast
import json
from itertools import chain

import numpy as np
import pandas as pd

from ..errors import WorkbookError, refuse_rows
from ..labels import LABEL_ALIASES, LABELS

FIELDS = ("annotator_labels", "label_count", "label_dist")
COLUMNS = ("n_annotators", "agreement", "human_dist", "first_label")
SUM_SLACK = 1e-3   # shares written with three decimals still sum to 1 within this


def annotator_columns(df: pd.DataFrame, source: str, where) -> pd.DataFrame | None:
    """The four columns for every row of a raw table (None when no row carries annotator labels); `where(i)` names row
    i's place in the file ("line 12"). A row whose field is null has none: n_annotators 0, agreement NaN, human_dist
    null, first_label -1 (SNLI's train file gives lists only for the pairs it validated)."""
    field = next((f for f in FIELDS if f in df.columns), None)
    if field is None:
        return None
    arrow = _arrow_lists(df[field]) if field == "annotator_labels" else None
    if arrow is not None:   # JSON Lines: the lists as the reader left them, in Arrow
        rows, counts, first = _from_arrow_labels(arrow, source, where)
        given = rows
    else:
        values = _lists(df[field], field, source, where)
        rows = np.flatnonzero([v is not None for v in values])
        given = [values[i] for i in rows]

    def at(j: int) -> str:   # a row of `given` by its place in the file
        return where(int(rows[j]))
    if not len(rows):
        return None
    if field == "annotator_labels":
        if arrow is None:
            counts, first = _from_labels(given, source, at)
        n = counts.sum(axis=1)
        dist = counts / n[:, None]
    else:
        table = _numbers(given, field, source, at)
        first = np.full(len(given), -1, dtype=np.int64)
        if field == "label_count":
            whole = np.isclose(table, np.round(table)).all(axis=1) & (table >= 0).all(axis=1) & (table.sum(axis=1) > 0)
            refuse_rows(~whole, at, lambda i: f"label_count {given[i]} is not whole counts >= 0 with at least one",
                    source, "Give how many annotators chose entailment, neutral and contradiction.")
            n = np.round(table).astype(np.int64).sum(axis=1)
        else:
            fine = (table >= 0).all(axis=1) & (np.abs(table.sum(axis=1) - 1) <= SUM_SLACK)
            refuse_rows(~fine, at, lambda i: f"label_dist {given[i]} does not hold shares >= 0 that sum to 1 (they sum to "
                    f"{table[i].sum():g})", source, "Give each label's share of the annotators, entailment, neutral, contradiction.")
            n = np.zeros(len(given), dtype=np.int64)
        dist = table / table.sum(axis=1, keepdims=True)
    n_all, agreement = np.zeros(len(df), dtype=np.int64), np.full(len(df), np.nan)
    first_all, human = np.full(len(df), -1, dtype=np.int64), np.full(len(df), None, dtype=object)
    n_all[rows], agreement[rows], first_all[rows] = n, dist.max(axis=1), first
    for j, i in enumerate(rows):
        human[i] = dist[j]
    return pd.DataFrame({"n_annotators": n_all, "agreement": agreement, "human_dist": human, "first_label": first_all}, index=df.index)


def voted(table: pd.DataFrame) -> np.ndarray:
    """The pairs whose labels several people gave (or whose shares are known): a pair with its author's label alone, or
    none, says nothing of agreement."""
    if "human_dist" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    return table["human_dist"].notna().to_numpy() & (table["n_annotators"].to_numpy() != 1)


def majority(dist) -> int:
    """The label most annotators chose (its index); -1 on a tie or without labels, where people settled nothing."""
    if not isinstance(dist, np.ndarray):
        return -1
    top = np.flatnonzero(np.isclose(dist, dist.max()))
    return int(top[0]) if len(top) == 1 else -1


def has_annotators(table: pd.DataFrame) -> bool:
    """Whether any pair of a table carries several annotators' labels."""
    return bool(voted(table).any())


def annotator_line(train: pd.DataFrame) -> str:
    """Notebook 01's one line: whether the training pairs carry annotator labels, and what that allows."""
    if not has_annotators(train):
        return ("no annotator labels in this data (the hub's SNLI and the demo carry none): the checks of the map and the "
                "models against people are skipped")
    counts = agreement_counts(train)
    trained = ("; trained on the first annotator's label, which differs from the consensus on "
               f"{int((train['gold_label'] != train['consensus_label']).sum()):,} pairs" if "consensus_label" in train.columns else "")
    return (f"annotator labels: {int(voted(train).sum()):,} of {len(train):,} training pairs carry several; agreement "
            + ", ".join(f"{level} {n:,}" for level, n in counts.items()) + trained)


def agreement_levels(table: pd.DataFrame) -> pd.Series:
    """Each pair's agreement level: "5/5", "4/5", "3/5", ... (a share where the number of annotators is unknown)."""
    n, share = table["n_annotators"].to_numpy(), table["agreement"].to_numpy()
    return pd.Series([f"{round(a * k)}/{k}" if k else f"{a:.2f}" for a, k in zip(share, n)], index=table.index, name="agreement")


def agreement_counts(table: pd.DataFrame) -> pd.Series:
    """Pairs per agreement level, from unanimous down (pairs with several annotators' labels only)."""
    return agreement_levels(table[voted(table)]).value_counts().sort_index(ascending=False, key=lambda s: s.map(_level_order))


def histogram_lines(table: pd.DataFrame) -> list[str]:
    """`nbutils data check`'s lines on the annotator labels: how many per pair, and the agreement histogram."""
    counts = agreement_counts(table)
    width = max(counts) if len(counts) else 1
    lines = [f"  annotator labels on {int(voted(table).sum()):,} of {len(table):,} pairs: "
             f"{table['n_annotators'].value_counts().sort_index().to_dict()} (labels per pair: pairs; 0: none, or shares only); "
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
        if v is None or isinstance(v, float) and np.isnan(v):
            out.append(None)   # this pair has none (counted as such)
            continue
        if not isinstance(v, (list, tuple)):
            raise WorkbookError(f"{source}, {where(i)}: {field} is {v!r}, not a list. Write it as a JSON list such as "
                                '["neutral", "entailment"], or leave it empty where the pair has none.')
        out.append(v)
    return out


def _arrow_lists(column: pd.Series):
    """The column as one Arrow list array where the reader kept it in Arrow (JSON Lines), else None."""
    import pyarrow as pa
    if isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_list(column.dtype.pyarrow_dtype):
        return column.array.__arrow_array__().combine_chunks()
    return None


def _from_arrow_labels(lists, source: str, where) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows that have a list, their counts per label, their first label) from an Arrow list array, without a Python
    object per label; unknown names and empty lists named by their line."""
    import pyarrow as pa
    import pyarrow.compute as pc
    valid = lists.is_valid().to_numpy(zero_copy_only=False)
    offsets = lists.offsets.to_numpy()
    sizes = np.diff(offsets)
    refuse_rows(valid & (sizes == 0), where, lambda i: "an empty annotator_labels list", source,
            "Give each pair the labels its annotators chose.")
    values = lists.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    encoded = pc.dictionary_encode(values if pa.types.is_string(values.type) else values.cast(pa.string()))
    known = np.array([LABEL_ALIASES.get(_label_text(w), -1) for w in encoded.dictionary.to_pylist()] + [-1], dtype=np.int64)
    codes = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    ids = known[codes]
    owner = np.repeat(np.arange(len(lists)), sizes)
    if (ids < 0).any():
        bad = np.zeros(len(lists), dtype=bool)
        bad[owner[ids < 0]] = True
        first_bad = values[int(np.flatnonzero(ids < 0)[0])].as_py()
        refuse_rows(bad, where, lambda i: f"unknown label {first_bad!r} in annotator_labels", source,
                f"Use {', '.join(LABELS)} (or 0, 1, 2, or e, n, c).")
    rows = np.flatnonzero(valid)
    counts = np.bincount(owner * 3 + ids, minlength=3 * len(lists)).reshape(len(lists), 3)[rows]
    return rows, counts, ids[offsets[rows] - offsets[0]]


def _from_labels(lists: list, source: str, where) -> tuple[np.ndarray, np.ndarray]:
    """Counts per label (pairs x 3) and the first label of each list; unknown names and empty lists named."""
    sizes = np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))
    refuse_rows(sizes == 0, where, lambda i: "an empty annotator_labels list", source, "Give each pair the labels its annotators chose.")
    flat = np.fromiter(chain.from_iterable(lists), dtype=object, count=int(sizes.sum()))
    codes, written = pd.factorize(flat)   # a few distinct spellings among millions of labels: each is read once
    ids = np.array([LABEL_ALIASES.get(_label_text(w), -1) for w in written], dtype=np.int64)[codes]
    if (ids < 0).any():
        row = np.repeat(np.arange(len(lists)), sizes)
        bad = np.zeros(len(lists), dtype=bool)
        bad[row[ids < 0]] = True
        first_bad = flat[int(np.flatnonzero(ids < 0)[0])]
        refuse_rows(bad, where, lambda i: f"unknown label {first_bad!r} in annotator_labels", source,
                f"Use {', '.join(LABELS)} (or 0, 1, 2, or e, n, c).")
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    counts = np.bincount(np.repeat(np.arange(len(lists)), sizes) * 3 + ids, minlength=3 * len(lists)).reshape(len(lists), 3)
    return counts, ids[starts]


def _numbers(lists: list, field: str, source: str, where) -> np.ndarray:
    """Rows of three numbers (entailment, neutral, contradiction); another shape or a non-number named by its line."""
    three = np.fromiter((len(v) == 3 for v in lists), dtype=bool, count=len(lists))
    refuse_rows(~three, where, lambda i: f"{field} {lists[i]} does not hold 3 values", source,
            "Give entailment, neutral and contradiction, in that order.")
    try:
        table = np.array(lists, dtype=np.float64)
    except (TypeError, ValueError):
        bad = np.array([not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v) for v in lists])
        refuse_rows(bad, where, lambda i: f"{field} {lists[i]} holds something that is not a number", source, "Give numbers only.")
        raise
    refuse_rows(~np.isfinite(table).all(axis=1), where, lambda i: f"{field} {lists[i]} holds a value that is not finite", source,
            "Give numbers only.")
    return table


def _label_text(value) -> str:
    """A label as written, as a key of LABEL_ALIASES (1.0 -> '1', ' Neutral ' -> 'neutral')."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()
