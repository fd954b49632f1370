"""Maps made elsewhere, read into this run's pairs: the original cartography code's dynamics, its coordinates, or regions.

Formats (the original code is allenai/cartography, Swayamdipta et al., 2020):
- `cartography:<folder>`: its `training_dynamics/` folder (or the folder holding it), one file per epoch,
  `dynamics_epoch_<N>.jsonl`, each line {"guid": ..., "logits_epoch_<N>": [one logit per label], "gold": label id}.
  Every epoch from 0 to the last must be there with the same guids. Gives every metric, AUM included.
- `coordinates:<file>`: its `td_metrics.jsonl` or data-map coordinates (any table format the loader reads), an id
  (`guid`, `example_id`, `id` or `pairID`) with `confidence` and `variability` (`correctness` optional). Regions by
  threshold or rank; no AUM or forgetfulness.
- `regions:<file>`: an id and a `region` (easy-to-learn, ambiguous, hard-to-learn, other). Regions only.
Ids join to the run's training pairs through `example_id`, or through the pair table's `cartography_guid` (the
original code's integer guid, which the shared SNLI subset carries). `Coverage` counts the pairs the source maps.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.pairs import columns_of, read_table
from ..errors import WorkbookError
from ..paths import resolve_input, shown
from ..train.dynamics import DynamicsMatrix, softmax
from .regions import normalise_regions

ID_COLUMNS = ("example_id", "id", "guid", "pairID")

EPOCH_FILE = re.compile(r"dynamics_epoch_(\d+)\.jsonl$")


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


def read_cartography_dynamics(folder: str | Path, train: pd.DataFrame) -> tuple[DynamicsMatrix, Coverage]:
    """The original code's per-epoch logits as a dynamics matrix over the covered training pairs."""
    root = resolve_input(folder)
    if (root / "training_dynamics").is_dir():
        root = root / "training_dynamics"
    files = {int(EPOCH_FILE.search(p.name).group(1)): p for p in root.glob("dynamics_epoch_*.jsonl") if EPOCH_FILE.search(p.name)}
    if not files:
        raise WorkbookError(f"{shown(root)}: no dynamics_epoch_<N>.jsonl files (the original cartography code's training_dynamics/).")
    missing = sorted(set(range(max(files) + 1)) - set(files))
    if missing:
        raise WorkbookError(f"{shown(root)}: epoch(s) {missing} missing (found {sorted(files)}). Every epoch from 0 on is needed.")
    epochs = [_read_epoch(files[e], e) for e in sorted(files)]
    guids = epochs[0].index
    for e, table in enumerate(epochs[1:], 1):
        if not table.index.equals(guids):
            gone, new = guids.difference(table.index), table.index.difference(guids)
            raise WorkbookError(f"{shown(files[e])}: epoch {e} lacks {len(gone):,} example(s) of epoch 0 (e.g. {list(gone[:3])}) "
                                f"and has {len(new):,} it lacks. The dynamics are cut short or from two runs.")
    to_id = id_map(train)
    ours = pd.Series(guids.map(lambda g: to_id.get(g)), index=guids)
    _refuse_shared_ids(ours.dropna(), shown(root))
    keep = ours.notna().to_numpy()
    coverage = _coverage(shown(root), train, ours.dropna(), len(guids))
    logits = np.stack([np.stack(t["logits"].to_numpy()) for t in epochs], axis=1)[keep]   # examples x epochs x labels
    gold = epochs[0]["gold"].to_numpy(dtype=np.int64)[keep]
    probs = softmax(logits)
    rows = np.arange(len(gold))[:, None]
    gold_prob = probs[rows, np.arange(logits.shape[1])[None, :], gold[:, None]]
    others = logits.copy()
    others[rows, np.arange(logits.shape[1])[None, :], gold[:, None]] = -np.inf
    margin = logits[rows, np.arange(logits.shape[1])[None, :], gold[:, None]] - others.max(axis=2)
    matrix = DynamicsMatrix(ours.dropna().to_numpy(dtype=object), gold, np.arange(1, len(epochs) + 1, dtype=float),
                            gold_prob, logits.argmax(axis=2) == gold[:, None], margin)
    return matrix, coverage


def read_coordinates(path: str | Path, train: pd.DataFrame) -> tuple[pd.DataFrame, Coverage]:
    """example_id, confidence, variability (and correctness, forgetfulness where given) of the covered training pairs."""
    raw, source, ids = read_with_ids(path, train)
    absent = [c for c in ("confidence", "variability") if c not in raw.columns]
    if absent:
        raise WorkbookError(f"{source}: no {' or '.join(absent)} column (found {columns_of(raw)}). A coordinates file needs "
                            "confidence and variability, as the original code's td_metrics.jsonl has; for regions only use regions:FILE.")
    kept = [c for c in ("confidence", "variability", "correctness", "forgetfulness") if c in raw.columns]
    table = raw.assign(example_id=ids)[["example_id", *kept]]
    return covered(table, train, source, len(raw))


def read_regions(path: str | Path, train: pd.DataFrame) -> tuple[pd.DataFrame, Coverage]:
    """example_id and region of the covered training pairs."""
    raw, source, ids = read_with_ids(path, train)
    if "region" not in raw.columns:
        raise WorkbookError(f"{source}: no region column (found {columns_of(raw)}). Give an id and a region per line.")
    table = normalise_regions(pd.DataFrame({"example_id": ids, "region": raw["region"].to_numpy()}), source)
    return covered(table, train, source, len(raw))


def _read_epoch(path: Path, epoch: int) -> pd.DataFrame:
    """One epoch's file: guid (as text) -> logits, gold; bad lines named."""
    key, rows = f"logits_epoch_{epoch}", []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                rows.append((str(rec["guid"]), np.asarray(rec[key], dtype=np.float64), int(rec["gold"])))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise WorkbookError(f"{shown(path)}, line {n}: not a dynamics record with guid, {key} and gold ({type(err).__name__}: "
                                    f"{err}). Fix that line, or re-export the epoch.") from None
    table = pd.DataFrame(rows, columns=["guid", "logits", "gold"])
    twice = table["guid"].duplicated()
    if twice.any():
        raise WorkbookError(f"{shown(path)}: guid {table['guid'][twice].iloc[0]!r} appears {int((table['guid'] == table['guid'][twice].iloc[0]).sum())} "
                            "times in one epoch. Each example once per epoch.")
    return table.set_index("guid").sort_index()


def read_with_ids(path: str | Path, train: pd.DataFrame) -> tuple[pd.DataFrame, str, pd.Series]:
    """The file's rows and each row's example id of this run (None where it has none)."""
    file = resolve_input(path)
    raw, source = read_table(file), shown(file)
    id_col = next((c for c in ID_COLUMNS if c in raw.columns), None)
    if id_col is None:
        raise WorkbookError(f"{source}: no id column; name one of {list(ID_COLUMNS)} (found {columns_of(raw)}).")
    text = raw[id_col].astype(str).str.replace(r"\.0$", "", regex=True)
    ids = text.map(id_map(train))
    _refuse_shared_ids(ids.dropna().set_axis(text[ids.notna()]), source)
    return raw, source, ids


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
