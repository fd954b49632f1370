"""Maps made elsewhere, read into this run's pairs: the original cartography code's dynamics, its coordinates, or regions.

Formats (the original code is allenai/cartography, Swayamdipta et al., 2020):
- `cartography:<folder>`: its `training_dynamics/` folder (or the folder holding it), one file per epoch,
  `dynamics_epoch_<N>.jsonl`, each line {"guid": ..., "logits_epoch_<N>": [one logit per label], "gold": label id}.
  Every epoch from 0 to the last must be there with the same guids. Gives every metric, AUM included.
- `coordinates:<file>`: its `td_metrics.jsonl` or data-map coordinates (any table format the loader reads), an id
  (`guid`, `example_id`, `id` or `pairID`) with `confidence` and `variability` (`correctness`, `forgetfulness`
  optional). Regions by threshold or rank; no AUM.
- `regions:<file>`: an id and a `region` (easy-to-learn, ambiguous, hard-to-learn, other). Regions only.
Reading a source (`read_source`) checks every value before anything trains and needs no training pairs: each record a
JSON object of the right types; three finite logits per record in every epoch and a gold label id among them;
confidence and correctness in [0, 1], variability in [0, 0.5], counts whole and >= 0; each id once. A bad value is one
message naming the file, the line and the field, with how many lines share the fault. Joining (`join_dynamics`,
`join_ids`) maps the source's ids to the run's training pairs through `example_id`, or through the pair table's
`cartography_guid` (the original code's integer guid, which the shared SNLI subset carries). `Coverage` counts the
pairs the source maps.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.pairs import LINE, columns_of, read_table
from ..errors import WorkbookError, refuse_rows
from ..paths import resolve_input, shown
from ..labels import LABELS
from ..train.dynamics import DynamicsMatrix, softmax
from .regions import REGIONS, region_name

ID_COLUMNS = ("example_id", "id", "guid", "pairID")

EPOCH_FILE = re.compile(r"dynamics_epoch_(\d+)\.jsonl$")
HOLDS = {   # what each kind of map file holds, for messages about a file that holds something else or nothing
    "cartography": "the original cartography code's training_dynamics/ folder: dynamics_epoch_<N>.jsonl files with guid, "
                   "logits_epoch_<N> and gold on every line",
    "coordinates": "one row per pair: an id (example_id, id, guid or pairID) with confidence and variability (and optionally "
                   "correctness and forgetfulness), as the original code's td_metrics.jsonl",
    "regions": "one row per pair: an id (example_id, id, guid or pairID) and its region",
    "reference": "one row per pair: an id (example_id, id, guid or pairID) with its region, or with confidence and "
                 "variability (the original code's coordinates, ranked as the paper does)",
}
# Each coordinate's allowed values: (lowest, highest, what it is). Correctness above 1 is the original code's count.
RANGES = {"confidence": (0.0, 1.0, "a mean probability"), "variability": (0.0, 0.5, "a standard deviation of probabilities"),
          "correctness": (0.0, np.inf, "a share of epochs in [0, 1], or the original code's count of correct epochs"),
          "forgetfulness": (0.0, np.inf, "a whole count of forgetting events (1000: never learned)")}
WHOLE = ("forgetfulness",)
SLACK = 1e-6   # rounding in a file written with few digits


@dataclass
class SourceTable:
    """A map file read and checked, with its ids as the source wrote them; joined to a run's pairs later."""

    kind: str                   # cartography | coordinates | regions
    source: str                 # the file or folder as reports show it
    table: pd.DataFrame         # source_id, line, and gold_label + logits (examples x epochs x labels) or the values
    rows: int                   # rows (examples) the source holds
    logits: np.ndarray | None = None   # cartography: examples x epochs x labels, aligned with table


@dataclass
class Coverage:
    """How much of the run's training split a map covers; pairs it does not cover are never selected."""

    source: str
    train_pairs: int
    covered: int
    source_rows: int
    not_in_run: int = 0                      # the source's rows whose id is not a training pair of this run
    notes: list[str] = field(default_factory=list)

    @property
    def uncovered(self) -> int:
        return self.train_pairs - self.covered

    def line(self) -> str:
        return (f"{shown(self.source)}: covers {self.covered:,} of the run's {self.train_pairs:,} training pairs "
                f"({self.uncovered:,} not covered, never selected); {self.not_in_run:,} of its {self.source_rows:,} rows are "
                "not training pairs of this run")


def id_map(train: pd.DataFrame) -> dict[str, str]:
    """The original code's guid (as text) or our example id -> our example id."""
    ours = train["example_id"].astype(str).tolist()   # lists: iterating Arrow strings one by one is slow
    ids = dict(zip(ours, ours))
    if "cartography_guid" in train.columns:
        g = train.dropna(subset=["cartography_guid"])
        guid = pd.to_numeric(g["cartography_guid"]).astype("int64").astype(str)
        twice = guid[guid.duplicated(keep=False)]
        if len(twice):
            pairs = g.loc[twice.index[twice == twice.iloc[0]], "example_id"].tolist()
            raise WorkbookError(f"the run's training pairs give guid {twice.iloc[0]} to {len(pairs)} different pairs ({pairs[:3]}) "
                                f"and {twice.nunique():,} guid(s) in all to more than one pair: a map by guid cannot tell them "
                                "apart. Fix the training file's cartography_guid column, or give the map by example_id.")
        ids.update(zip(guid.tolist(), g["example_id"].astype(str).tolist()))
    return ids


def read_source(kind: str, path: str | Path) -> SourceTable:
    """A cartography folder, coordinates file or regions file (kind "reference": regions or coordinates, by its
    columns), every value checked; ids not yet joined."""
    target = resolve_input(path)
    given = f"reference_map={shown(str(path))}" if kind == "reference" else f"map_source={kind}:{shown(str(path))}"
    if not target.exists():
        raise WorkbookError(f"{given}: {shown(target)} does not exist.")
    if kind == "cartography":
        return read_cartography_folder(target)
    if target.is_dir():
        other = " For the original code's training_dynamics/ folder use cartography:FOLDER." if kind == "coordinates" else ""
        raise WorkbookError(f"{given}: {shown(target)} is a folder; {kind}:FILE reads a file that holds {HOLDS[kind]}.{other}")
    if _is_empty(target):
        raise WorkbookError(f"{given}: {shown(target)} is empty. A {kind} file holds {HOLDS[kind]} "
                            "(docs/usage.md, 'Maps made elsewhere').")
    raw, source = read_table(target), shown(target)
    if kind == "reference":   # a reference map: regions, or coordinates to rank
        kind = "regions" if "region" in raw.columns else "coordinates"
        if not {"confidence", "variability"} <= set(raw.columns) and kind == "coordinates":
            raise WorkbookError(f"{source}: give a region column, or confidence and variability (found {columns_of(raw)}).")
    if not len(raw):
        raise WorkbookError(f"{source}: the file has no rows, only a header. A {kind} file holds {HOLDS[kind]}.")
    id_col = next((c for c in ID_COLUMNS if c in raw.columns), None)
    if id_col is None:
        raise WorkbookError(f"{source}: no id column; name one of {list(ID_COLUMNS)} (found {columns_of(raw)}).")
    lines = raw[LINE].to_numpy() if LINE in raw.columns else np.arange(1, len(raw) + 1)   # Parquet: the row
    table = pd.DataFrame({"source_id": _id_text(raw[id_col]), "line": lines})
    where = "line" if LINE in raw.columns else "row"
    if kind == "coordinates":
        absent = [c for c in ("confidence", "variability") if c not in raw.columns]
        if absent:
            raise WorkbookError(f"{source}: no {' or '.join(absent)} column (found {columns_of(raw)}). A coordinates file needs "
                                "confidence and variability, as the original code's td_metrics.jsonl has; for regions only use regions:FILE.")
        for col in (c for c in RANGES if c in raw.columns):
            table[col] = _checked_numbers(raw[col], col, table["line"], source, where)
        _check_correctness(table, source, where)
    else:
        if "region" not in raw.columns:
            raise WorkbookError(f"{source}: no region column (found {columns_of(raw)}). Give an id and a region per line.")
        table["region"] = _checked_regions(raw["region"], table["line"], source, where)
    _refuse_repeated_ids(table, source, where)
    return SourceTable(kind, source, table, len(raw))


def read_cartography_folder(root: Path) -> SourceTable:
    """The original code's per-epoch files: one row per example, its logits at every epoch checked."""
    if (root / "training_dynamics").is_dir():
        root = root / "training_dynamics"
    if not root.is_dir():
        raise WorkbookError(f"cartography:{shown(root)} is a file; cartography:FOLDER reads {HOLDS['cartography']}. "
                            "For a td_metrics.jsonl or coordinates file use coordinates:FILE.")
    files = {int(EPOCH_FILE.search(p.name).group(1)): p for p in root.glob("dynamics_epoch_*.jsonl") if EPOCH_FILE.search(p.name)}
    if not files:
        raise WorkbookError(f"{shown(root)}: no dynamics_epoch_<N>.jsonl files (the original cartography code's training_dynamics/).")
    missing = sorted(set(range(max(files) + 1)) - set(files))
    if missing:
        raise WorkbookError(f"{shown(root)}: epoch(s) {missing} missing (found {sorted(files)}). Every epoch from 0 on is needed.")
    epochs = [_read_epoch(files[e], e) for e in sorted(files)]
    first = epochs[0]
    for e, table in enumerate(epochs[1:], 1):
        if not table.index.equals(first.index):
            gone, new = first.index.difference(table.index), table.index.difference(first.index)
            raise WorkbookError(f"{shown(files[e])}: epoch {e} lacks {len(gone):,} example(s) of epoch 0 (e.g. {list(gone[:3])}) "
                                f"and has {len(new):,} it lacks. The dynamics are cut short or from two runs.")
        moved = np.flatnonzero(table["gold"].to_numpy() != first["gold"].to_numpy())
        if len(moved):
            i = int(moved[0])
            raise WorkbookError(f"{shown(files[e])}, line {int(table['line'].iloc[i])}: guid {table.index[i]!r} has gold "
                                f"{int(table['gold'].iloc[i])} where epoch 0 gives {int(first['gold'].iloc[i])} ({len(moved):,} "
                                "example(s) in all). Each example keeps its gold label across epochs: the files are from two runs.")
    logits = np.stack([np.stack(t["logits"].to_numpy()) for t in epochs], axis=1)   # examples x epochs x labels
    table = pd.DataFrame({"source_id": first.index.to_numpy(dtype=object), "line": first["line"].to_numpy(),
                          "gold_label": first["gold"].to_numpy(dtype=np.int64)})
    return SourceTable("cartography", shown(root), table, len(table), logits)


def join_dynamics(checked: SourceTable, train: pd.DataFrame) -> tuple[DynamicsMatrix, Coverage]:
    """A checked cartography folder as a dynamics matrix over the training pairs it covers."""
    ours = checked.table["source_id"].map(id_map(train))
    _refuse_shared_ids(ours.dropna().set_axis(checked.table["source_id"][ours.notna()]), checked.source)
    keep = ours.notna().to_numpy()
    coverage = _coverage(checked.source, train, ours.dropna(), checked.rows)
    logits, gold = checked.logits[keep], checked.table["gold_label"].to_numpy()[keep]
    n_epochs = logits.shape[1]
    probs = softmax(logits)
    rows, cols = np.arange(len(gold))[:, None], np.arange(n_epochs)[None, :]
    gold_prob = probs[rows, cols, gold[:, None]]
    others = logits.copy()
    others[rows, cols, gold[:, None]] = -np.inf
    margin = logits[rows, cols, gold[:, None]] - others.max(axis=2)
    matrix = DynamicsMatrix(ours.dropna().to_numpy(dtype=object), gold, np.arange(1, n_epochs + 1, dtype=float),
                            gold_prob, logits.argmax(axis=2) == gold[:, None], margin, probs[:, 0])
    return matrix, coverage


def join_ids(checked: SourceTable, train: pd.DataFrame) -> tuple[pd.DataFrame, Coverage]:
    """A checked coordinates or regions table with each row's example id; rows that are no training pair dropped, counted."""
    ids = checked.table["source_id"].map(id_map(train))
    _refuse_shared_ids(ids.dropna().set_axis(checked.table["source_id"][ids.notna()]), checked.source)
    table = checked.table.drop(columns=["source_id", "line"]).assign(example_id=ids.to_numpy())
    return covered(table[["example_id", *[c for c in table.columns if c != "example_id"]]], train, checked.source, checked.rows)


def read_cartography_dynamics(folder: str | Path, train: pd.DataFrame) -> tuple[DynamicsMatrix, Coverage]:
    """The original code's per-epoch logits as a dynamics matrix over the covered training pairs."""
    return join_dynamics(read_source("cartography", folder), train)


def read_coordinates(path: str | Path, train: pd.DataFrame) -> tuple[pd.DataFrame, Coverage]:
    """example_id, confidence, variability (and correctness, forgetfulness where given) of the covered training pairs."""
    return join_ids(read_source("coordinates", path), train)


def read_regions(path: str | Path, train: pd.DataFrame) -> tuple[pd.DataFrame, Coverage]:
    """example_id and region of the covered training pairs."""
    return join_ids(read_source("regions", path), train)


def _read_epoch(path: Path, epoch: int) -> pd.DataFrame:
    """One epoch's file: guid (as text) -> logits, gold, line; every record's types, logits and gold checked."""
    key, rows = f"logits_epoch_{epoch}", []
    n_labels = len(LABELS)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                logits, gold = rec[key], rec["gold"]
                if not isinstance(logits, list) or any(isinstance(v, (bool, str)) or v is None for v in logits):
                    raise TypeError(f"{key} is {json.dumps(logits)[:60]}, not a list of numbers")
                if isinstance(gold, bool) or not float(gold).is_integer():
                    raise TypeError(f"gold is {json.dumps(gold)}, not a label id")
                rows.append((rec["guid"], np.asarray(logits, dtype=np.float64), int(gold), n))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as err:
                raise WorkbookError(f"{shown(path)}, line {n}: not a dynamics record with guid, {key} and gold ({type(err).__name__}: "
                                    f"{err}). Fix that line, or re-export the epoch.") from None
    if not rows:
        raise WorkbookError(f"{shown(path)}: no records (the file is empty). Each epoch's file holds a line per example; "
                            "re-export the epoch.")
    table = pd.DataFrame(rows, columns=["guid", "logits", "gold", "line"])
    table["guid"] = _id_text(table["guid"])   # once for the file: a Series per line made 549,367 lines take minutes
    _check_logits(table, path, key, n_labels)
    twice = table["guid"].duplicated(keep=False)
    if twice.any():
        guid = table["guid"][twice].iloc[0]
        lines = table["line"][table["guid"] == guid].tolist()
        raise WorkbookError(f"{shown(path)}, lines {', '.join(map(str, lines[:5]))}: guid {guid!r} appears {len(lines)} times in one "
                            f"epoch ({int(table['guid'][twice].nunique()):,} guid(s) in all). Each example once per epoch.")
    return table.set_index("guid").sort_index()


def _check_logits(table: pd.DataFrame, path: Path, key: str, n_labels: int) -> None:
    """Every record holds one finite logit per label and a gold label id among them."""
    sizes = table["logits"].map(len).to_numpy()
    faults = [(sizes != n_labels, lambda i: f"{sizes[i]} logit(s) where the labels are {n_labels} ({', '.join(LABELS)})"),
              (~np.isin(table["gold"].to_numpy(), np.arange(n_labels)), lambda i: f"gold {table['gold'].iloc[i]} is not a label id 0-{n_labels - 1}")]
    for bad, what in faults:
        _refuse_lines(bad, table["line"], what, shown(path), "line", "Every record needs one logit per label and its gold label id.")
    finite = np.isfinite(np.stack(table["logits"].to_numpy())).all(axis=1)
    _refuse_lines(~finite, table["line"], lambda i: f"{key} holds a value that is not finite (NaN or infinite)", shown(path), "line",
                  "A map needs finite logits: re-export the epoch from a run that did not diverge.")


def _checked_numbers(values: pd.Series, col: str, lines: pd.Series, source: str, where: str) -> np.ndarray:
    """A coordinate column as finite numbers in its range; the first bad line named, the others counted."""
    low, high, what = RANGES[col]
    fix = f"Every {col} must be a number: {what}."
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)   # read as numbers: only their values to check
    else:   # text, or numbers mixed with other things: find what is not a number
        boolean = values.map(lambda v: isinstance(v, (bool, np.bool_))).to_numpy()
        numbers = pd.to_numeric(values.where(~boolean), errors="coerce").to_numpy(dtype=np.float64)
        written = values.astype(str).str.strip().str.lower()
        blank = values.isna().to_numpy() | written.isin(["", "none", "null", "nan", "-nan"]).to_numpy()
        _refuse_lines((np.isnan(numbers) & ~blank) | boolean, lines, lambda i: f"{col} is {values.iloc[i]!r}, not a number",
                      source, where, fix)
    _refuse_lines(~np.isfinite(numbers), lines, lambda i: f"{col} is {'missing or NaN' if np.isnan(numbers[i]) else numbers[i]}, not a finite number",
                  source, where, fix + " Fix or remove those lines: a pair without one has no place on the map.")
    out = (numbers < low - SLACK) | (numbers > high + SLACK)
    _refuse_lines(out, lines, lambda i: f"{col} is {numbers[i]:g}, outside [{low:g}, {high:g}]", source, where, fix)
    if col in WHOLE:
        _refuse_lines(~np.isclose(numbers, np.round(numbers)), lines, lambda i: f"{col} is {numbers[i]:g}, not a whole count",
                      source, where, fix)
    return numbers.clip(low, high)


def _check_correctness(table: pd.DataFrame, source: str, where: str) -> None:
    """Correctness is a share in [0, 1] throughout, or a whole count of epochs throughout (the original code's)."""
    if "correctness" not in table.columns or table["correctness"].max() <= 1 + SLACK:
        return
    c = table["correctness"].to_numpy()
    _refuse_lines(~np.isclose(c, np.round(c)), table["line"], lambda i: f"correctness is {c[i]:g}: the file's largest correctness, "
                  f"{c.max():g}, makes it a count of correct epochs, and a count is whole", source, where,
                  "Give correctness as a share in [0, 1] throughout, or as a whole count throughout.")


def _checked_regions(values: pd.Series, lines: pd.Series, source: str, where: str) -> np.ndarray:
    """Region names as written elsewhere (Hard_to_learn, "easy to learn") in ours; the first unknown one's line named."""
    names = values.map(region_name)
    unknown = ~names.isin(REGIONS).to_numpy()
    _refuse_lines(unknown, lines, lambda i: f"unknown region {values.iloc[i]!r}", source, where,
                  f"Use {list(REGIONS)} (underscores and capitals are fine).")
    return names.to_numpy(dtype=object)


def _refuse_lines(bad: np.ndarray, lines: pd.Series, what, source: str, where: str, fix: str) -> None:
    """refuse_rows with each row named by its line (or row) in the file."""
    refuse_rows(bad, lambda i: f"{where} {int(lines.iloc[i])}", what, source, fix)


def _refuse_repeated_ids(table: pd.DataFrame, source: str, where: str) -> None:
    """The same id on two lines: which map value would hold?"""
    twice = table["source_id"].duplicated(keep=False).to_numpy()
    if twice.any():
        first = table["source_id"][twice].iloc[0]
        lines = table["line"][table["source_id"] == first].tolist()
        raise WorkbookError(f"{source}, {where}s {', '.join(map(str, lines[:5]))}: id {first!r} appears {len(lines)} times "
                            f"({int(table['source_id'][twice].nunique()):,} id(s) in all appear more than once). Each pair once.")


def _id_text(ids: pd.Series) -> pd.Series:
    """Ids as text, an integer guid read as 12.0 written 12."""
    return ids.astype(str).str.replace(r"\.0$", "", regex=True)


def _is_empty(path: Path) -> bool:
    """Nothing but whitespace in it (gzipped too): an empty file, /dev/null."""
    import gzip
    try:
        with (gzip.open(path) if path.name.endswith(".gz") else open(path, "rb")) as f:
            head = f.read(1 << 16)
            return not head.strip() and not f.read(1)
    except (OSError, EOFError):
        return False   # the reader says what is wrong with it


def _refuse_shared_ids(ours: pd.Series, source: str) -> None:
    """Two of the source's ids that name one training pair (a guid and an id, or a guid twice) cannot both hold."""
    twice = ours[ours.duplicated(keep=False)]
    if len(twice):
        raise WorkbookError(f"{source}: ids {sorted(set(twice.index.astype(str)))[:3]} all name the training pair {twice.iloc[0]!r}. "
                            "Each pair once: use one kind of id.")


def covered(table: pd.DataFrame, train: pd.DataFrame, source: str, rows: int) -> tuple[pd.DataFrame, Coverage]:
    kept = table.dropna(subset=["example_id"]).reset_index(drop=True)
    return kept, _coverage(source, train, kept["example_id"], rows)


def _coverage(source: str, train: pd.DataFrame, ours: pd.Series, rows: int) -> Coverage:
    if not len(ours):
        raise WorkbookError(f"{shown(source)}: none of its {rows:,} ids is a training pair of this run. Use the training file's ids, "
                            "or the original code's guids with a training file that has a cartography_guid column.")
    return Coverage(source=source, train_pairs=len(train), covered=len(ours),   # id_map names training pairs only, each once
                    source_rows=rows, not_in_run=rows - len(ours))
