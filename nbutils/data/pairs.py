"""Load NLI pairs from the hub or local files into one table, counting every row dropped.

Pair table (pandas DataFrame; also the run's `data/<split>.parquet` files):
    example_id   str   stable id: the SNLI pairID where the source has one, else `sha1-<16 hex>` of
                       the whitespace-normalised premise TAB hypothesis
    premise      str
    hypothesis   str
    gold_label   int   0 entailment, 1 neutral, 2 contradiction (nbutils.labels.LABELS)
    original_id  str   optional: contrast sets, the pair this one was derived from
    perturbation str   optional: contrast sets, the kind of change
    planted      str   optional: demo data, the structure planted by the generator
    category     str   optional: a challenge set's category of pair (scored per category by `nbutils evaluate`)
    allowed_labels list optional (with keep_allowed): for a pair without one gold label (gold_label -1), the labels that
                       count as right, e.g. neutral or contradiction for a "not entailment" row of a 2-way set
    roberta_region, cartography_guid   optional: the shared SNLI subset's published RoBERTa-large map region and the
                       original cartography code's id for the pair (nbutils.map.reference)
    n_annotators, agreement, human_dist, first_label   optional: every annotator's label, where the source has them
                       (SNLI's annotator_labels, ChaosNLI's label_count or label_dist): nbutils.data.annotators
    consensus_label int  optional, train split under label_source=first_annotator: the file's (consensus) label, while
                       gold_label holds the author's (nbutils.data.label_source)
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..errors import WorkbookError
from ..labels import LABEL_ALIASES, NO_GOLD
from .annotators import COLUMNS as ANNOTATOR_COLUMNS, FIELDS as ANNOTATOR_FIELDS, annotator_columns

REQUIRED = ("premise", "hypothesis", "gold_label")
OPTIONAL = ("original_id", "perturbation", "planted", "rule", "generated", "original_label", "roberta_region", "cartography_guid",
            "category", "allowed_labels")
# Column names seen in SNLI releases and common exports, mapped to ours.
COLUMN_ALIASES = {
    "sentence1": "premise", "sentence2": "hypothesis", "text_a": "premise", "text_b": "hypothesis",
    "label": "gold_label", "gold_label": "gold_label",
    "pairID": "example_id", "pair_id": "example_id", "id": "example_id", "guid": "example_id",
}
HUB_DATASET = "stanfordnlp/snli"
LINE = "__line__"   # the file line a raw row came from (text formats), for messages only; never kept


@dataclass
class LoadReport:
    """What a load kept and dropped, per reason; shown by notebook 01 and stored in the run."""

    source: str
    rows_read: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str, n: int) -> None:
        if n:
            self.dropped[reason] = self.dropped.get(reason, 0) + int(n)

    def as_dict(self) -> dict:
        return {"source": self.source, "rows_read": self.rows_read, "kept": self.kept, "dropped": dict(self.dropped)}


def ids_in(ids: pd.Series, known) -> np.ndarray:
    """Which ids are among `known` (a Series or any collection), by an Arrow hash lookup: Series.isin on Arrow strings
    walks them one by one in Python (4.7 s for 549,367 ids, against 0.1 s here)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def strings(values):
        s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        arr = pa.array(s.astype("string[pyarrow]"))
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pc.is_in(strings(ids), value_set=strings(known)).to_numpy(zero_copy_only=False)


def pair_id(premise: str, hypothesis: str) -> str:
    """Content hash id for sources without one; stable across runs and machines."""
    norm = " ".join(premise.split()) + "\t" + " ".join(hypothesis.split())
    return "sha1-" + hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]


def load_pairs(source: str | Path, *, split: str = "train", limit: int = 0, seed: int = 0,
               columns: dict[str, str] | None = None, keep_allowed: bool = False) -> tuple[pd.DataFrame, LoadReport]:
    """Pairs from a local file or, for `hub:<dataset id>`, the Hugging Face hub; `limit` samples stratified by label.

    `columns` maps our names to the file's, e.g. {"premise": "s1", "hypothesis": "s2", "gold_label": "y", "example_id": "uid"}.
    """
    source = str(source)
    if source.startswith("hub:"):
        raw = _read_hub(source[4:] or HUB_DATASET, split)
    else:
        raw = read_table(Path(source))
    if columns:
        absent = [theirs for theirs in columns.values() if theirs not in raw.columns]
        if absent:
            raise WorkbookError(f"{source}: column map names {absent}, which the file lacks; found {columns_of(raw)}.")
        raw = raw.rename(columns={theirs: ours for ours, theirs in columns.items()})
    table, report = normalise(raw, source, keep_allowed)
    if limit and limit < len(table):
        table = stratified_sample(table, limit, seed)
        report.drop(f"not sampled (limit={limit})", report.kept - len(table))
        report.kept = len(table)
    return table.reset_index(drop=True), report


def read_table(path: Path) -> pd.DataFrame:
    """Raw rows of a JSON Lines / CSV / TSV / Parquet file (optionally .gz), all columns as read."""
    if not path.exists():
        raise WorkbookError(f"{path}: file not found. Check the path, or use --profile demo to run without data.")
    if path.is_dir():
        raise WorkbookError(f"{path}: a folder, where a file is needed. Point to a .jsonl, .csv, .tsv or .parquet file in it.")
    name = path.name.lower().removesuffix(".gz")
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        text = _read_text(path)
    except UnicodeDecodeError as err:
        line = _read_bytes(path)[: err.start].count(b"\n") + 1
        raise WorkbookError(f"{path}, line {line}: bytes that are not UTF-8. Re-save the file as UTF-8.") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise WorkbookError(f"{path}: the compressed file is cut short or damaged ({err}). Copy or download it again; "
                            "`gzip -t` tests a copy.") from None
    except pa.ArrowException as err:
        raise WorkbookError(f"{path}: not a readable Parquet file ({str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__}). Copy or write it again.") from None
    if not text.strip():
        raise WorkbookError(f"{path}: the file is empty. Point to a file with premise, hypothesis and label columns.")
    if name.endswith((".jsonl", ".json")):
        return _parse_jsonl(text, path)
    if name.endswith((".csv", ".tsv", ".txt")):
        sep = "," if name.endswith(".csv") else "\t"
        return _parse_delimited(text, path, sep)
    raise WorkbookError(f"{path}: unknown file type. Use .jsonl, .csv, .tsv, .txt (SNLI release) or .parquet, optionally gzipped.")


def normalise(raw: pd.DataFrame, source: str, keep_allowed: bool = False) -> tuple[pd.DataFrame, LoadReport]:
    """Map columns and labels to the pair table, dropping unlabelled rows (counted) and failing on bad rows."""
    report = LoadReport(source=source, rows_read=len(raw))
    df = raw.rename(columns=_column_mapping(list(raw.columns)))
    human = annotator_columns(df, source, lambda i: _where(df, i))
    if human is not None:   # every annotator's label, as four columns (nbutils.data.annotators)
        df = df.drop(columns=[f for f in ANNOTATOR_FIELDS if f in df.columns]).join(human)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise WorkbookError(f"{source}: missing column(s) {missing}; found {columns_of(raw)}. "
                            "Rename them, or map them (sentence1/sentence2/gold_label and premise/hypothesis/label are understood).")
    labels = df["gold_label"].map(_label_text)
    unlabeled = labels.isin(NO_GOLD)
    allowed = unlabeled & _has_allowed(df) if keep_allowed else pd.Series(False, index=df.index)
    report.drop("no gold label (-1 or '-')", int((unlabeled & ~allowed).sum()))
    df, labels = df[~unlabeled | allowed].copy(), labels[~unlabeled | allowed].mask(allowed, "0")
    if allowed.any():
        df["allowed_labels"] = [_allowed_ids(v, source) if a else None for v, a in zip(df["allowed_labels"], allowed[df.index])]
    unknown = ~labels.isin(LABEL_ALIASES.keys())
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise WorkbookError(f"{source}, {_where(df, row)}: unknown label "
                            f"{labels.iloc[row]!r}. Use 0/1/2 or entailment/neutral/contradiction.")
    df["gold_label"] = labels.map(LABEL_ALIASES).astype("int64").mask(allowed[df.index], -1)
    for col in ("premise", "hypothesis"):
        df[col] = df[col].fillna("").astype(str).str.strip()
        empty = df[col] == ""
        if empty.any():
            raise WorkbookError(f"{source}, {_where(df, int(np.flatnonzero(empty.to_numpy())[0]))}: empty {col}. Fix or remove that row.")
    if "example_id" not in df.columns:
        df["example_id"] = [pair_id(p, h) for p, h in zip(df["premise"], df["hypothesis"])]
    df["example_id"] = df["example_id"].astype(str)
    df = _drop_duplicates(df, source, report)
    keep = ["example_id", "premise", "hypothesis", "gold_label"] + [c for c in (*OPTIONAL, *ANNOTATOR_COLUMNS) if c in df.columns]
    report.kept = len(df)
    if not len(df):
        raise WorkbookError(f"{source}: no labelled pair is left (dropped: {report.dropped or 'nothing'} of {report.rows_read:,} "
                            "rows). Point to a file with gold labels (0/1/2 or entailment/neutral/contradiction).")
    return df[keep].reset_index(drop=True), report


def _has_allowed(df: pd.DataFrame) -> pd.Series:
    if "allowed_labels" not in df.columns:
        return pd.Series(False, index=df.index)
    return df["allowed_labels"].map(lambda v: isinstance(v, (list, tuple, np.ndarray)) and len(v) > 0)


def _allowed_ids(values, source: str) -> list[int]:
    ids = [LABEL_ALIASES.get(_label_text(v)) for v in values]
    if None in ids:
        raise WorkbookError(f"{source}: allowed_labels {list(values)!r} holds a label that is not 0/1/2 or entailment/neutral/contradiction.")
    return sorted(set(ids))


def dataset_name(path: str | Path, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A name for a data file's results: its name without extensions (snli_1.0_dev.jsonl -> snli_1.0_dev), unique in `taken`."""
    p = Path(path)
    name = p.name.removesuffix(".gz")
    name = name.rsplit(".", 1)[0] if "." in name else name
    if name in taken and p.parent.name:
        name = f"{p.parent.name}-{name}"
    base, k = name, 2
    while name in taken:
        name, k = f"{base}-{k}", k + 1
    return name


def _column_mapping(columns: list[str]) -> dict[str, str]:
    """Rename the first alias found for each target column; later aliases stay as they are."""
    mapping, taken = {}, set(columns)
    for c in columns:
        target = COLUMN_ALIASES.get(c)
        if target and target != c and target not in taken:
            mapping[c] = target
            taken.add(target)
    return mapping


def stratified_sample(table: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """n rows keeping the label shares, reproducible for a seed."""
    shares = table["gold_label"].value_counts(normalize=True).sort_index()
    quotas = np.floor(shares * n).astype(int)
    quotas.iloc[: n - quotas.sum()] += 1
    parts = [g.sample(n=int(quotas[lab]), random_state=seed) for lab, g in table.groupby("gold_label")]
    return pd.concat(parts).sort_index()


def _drop_duplicates(df: pd.DataFrame, source: str, report: LoadReport) -> pd.DataFrame:
    dup = df.duplicated("example_id", keep=False)
    if not dup.any():
        return df
    same = df[dup].duplicated(["example_id", "premise", "hypothesis", "gold_label"], keep=False)
    conflict = df[dup][~same]
    if len(conflict):
        ex = conflict.iloc[0]["example_id"]
        rows = np.flatnonzero((df["example_id"] == ex).to_numpy())[:3]
        raise WorkbookError(f"{source}: id {ex!r} appears with different content ({', '.join(_where(df, r) for r in rows)}). "
                            "Give each pair its own id.")
    before = len(df)
    df = df.drop_duplicates("example_id")
    report.drop("exact duplicate rows", before - len(df))
    return df


def _parse_jsonl(text: str, path: Path) -> pd.DataFrame:
    fast = _parse_jsonl_fast(text)
    if fast is not None:
        return fast
    rows, lines = [], []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise WorkbookError(f"{path}, line {lineno}: not valid JSON ({err.msg}). Fix that line or remove it.") from None
        if not isinstance(row, dict):
            raise WorkbookError(f"{path}, line {lineno}: a JSON {type(row).__name__ if row is not None else 'null'} where a pair "
                                'should be: each line must be one object, e.g. {"premise": ..., "hypothesis": ..., "gold_label": ...}. '
                                "Fix that line or remove it.")
        rows.append(row)
        lines.append(lineno)
    return pd.DataFrame(rows).assign(**{LINE: lines})


def _parse_jsonl_fast(text: str) -> pd.DataFrame | None:
    """pyarrow's JSON Lines reader (8x faster at SNLI's size) where no line is blank; None (read line by line, with
    messages that name the line) when it cannot read the text as one table."""
    import pyarrow as pa
    import pyarrow.json as pj
    if "\n\n" in text or text.startswith("\n") or "\r" in text or re.search(r"(?m)^[ \t]*[^{ \t]", text):
        return None   # a blank line, or a line that is not an object (null, [..], "..."), is for the careful reader to name
    try:
        table = pj.read_json(pa.BufferReader(text.encode("utf-8")))
    except (pa.ArrowException, UnicodeEncodeError):
        return None
    nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]   # lists and objects as Python's, like json.loads
    df = table.drop_columns(nested).to_pandas()
    for name in nested:   # annotator label lists stay in Arrow: nbutils.data.annotators reads them there, 5x faster
        column = table.column(name)
        df[name] = (pd.Series(pd.arrays.ArrowExtensionArray(column)) if name in ANNOTATOR_FIELDS and pa.types.is_list(column.type)
                    else pd.Series(column.to_pylist(), dtype=object))
    return df[table.column_names].assign(**{LINE: np.arange(1, len(df) + 1)})


def _parse_delimited(text: str, path: Path, sep: str) -> pd.DataFrame:
    """CSV/TSV rows as text, each with the file line it starts on (quoted fields may span lines; blank lines are skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quoting=csv.QUOTE_MINIMAL if sep == "," else csv.QUOTE_NONE)
    header, rows, lines, start = None, [], [], 1
    try:
        for row in reader:
            begins, start = start, reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if header is None:
                header = row
                continue
            if len(row) > len(header):
                raise WorkbookError(f"{path}, line {begins}: {len(row)} fields where the header has {len(header)}. "
                                    f"Quote fields that hold {'commas' if sep == ',' else 'tabs'}, or fix that line.")
            rows.append(row + [""] * (len(header) - len(row)))
            lines.append(begins)
    except csv.Error as err:
        raise WorkbookError(f"{path}, line {start}: {err}. Fix that line or remove it.") from None
    if header is None:
        raise WorkbookError(f"{path}: no header line. Point to a file with premise, hypothesis and label columns.")
    return pd.DataFrame(rows, columns=header, dtype=str).assign(**{LINE: lines})


def columns_of(raw: pd.DataFrame) -> list[str]:
    """A file's own columns (without the line numbers the reader adds), for messages."""
    return [c for c in raw.columns if c != LINE]


def _where(df: pd.DataFrame, i: int) -> str:
    """Where row i of a loaded table sits: its line in a text file (one meaning of "line N" everywhere), else its row."""
    return f"line {int(df[LINE].iloc[i])}" if LINE in df.columns else f"row {i + 1}"


def _read_bytes(path: Path) -> bytes:
    return gzip.open(path).read() if path.name.endswith(".gz") else path.read_bytes()


def _read_text(path: Path) -> str:
    return _read_bytes(path).decode("utf-8-sig")   # a byte-order mark, as some editors write, is not part of the data


def _label_text(value) -> str:
    """A label as text: null and NaN are unlabelled (''), 1.0 (a column of ints with nulls, read as floats) is '1'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip().lower()



def _read_hub(dataset_id: str, split: str) -> pd.DataFrame:
    from .hub import load_hub_split
    return load_hub_split(dataset_id, split)
