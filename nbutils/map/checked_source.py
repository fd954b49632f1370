"""A map made elsewhere as the pre-run check read it, so notebook 03 draws what was checked without reading it again.

`outputs/<run>/map_source_checked.parquet`, one row per row of the source (per example for cartography), ids as the
source wrote them:
    source_id    str                 the id as written (guid, example_id, id or pairID)
    line         int64               its line in the file (in epoch 0's file for cartography), for messages
    gold_label   int64               cartography: the source's gold label id
    logits       list<float64>       cartography: epochs x labels, flattened (shape in the metadata)
    confidence, variability, correctness, forgetfulness   float64   coordinates (the last two where given)
    region       str                 regions
Schema metadata `nbutils`: JSON {"map_source": the value checked, "kind", "source": the file or folder as reports show
it, "rows", "logits_shape": [epochs, labels] or null, "stamp": [[file, bytes, modified ns], ...]}. Notebook 03 reads
the source again only when the run's map_source names another source or a stamp no longer holds (a file rewritten
since the check, e.g. when notebook 03 is rerun by hand days later).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .. import paths
from .sources import EPOCH_FILE, SourceTable

FILE = "map_source_checked.parquet"


def stamp(kind: str, arg: str) -> list[list]:
    """The source's files with their sizes and modification times (every epoch file of a cartography folder)."""
    target = paths.resolve_input(arg)
    if kind == "cartography":
        folder = target / "training_dynamics" if (target / "training_dynamics").is_dir() else target
        files = sorted(p for p in folder.glob("dynamics_epoch_*.jsonl") if EPOCH_FILE.search(p.name))
    else:
        files = [target]
    return [[str(f), f.stat().st_size, f.stat().st_mtime_ns] for f in files if f.exists()]


def save(run_name: str, map_source: str, arg: str, checked: SourceTable) -> Path:
    """Write the checked source into the run's folder (atomically: a killed write leaves the old file or none)."""
    table = pa.Table.from_pandas(checked.table, preserve_index=False)
    shape = None
    if checked.logits is not None:
        n, epochs, labels = checked.logits.shape
        shape = [epochs, labels]
        flat = pa.array(checked.logits.reshape(-1).astype(np.float64))
        table = table.append_column("logits", pa.ListArray.from_arrays(pa.array(np.arange(n + 1) * epochs * labels, pa.int32()), flat))
    meta = {"map_source": map_source, "kind": checked.kind, "source": checked.source, "rows": checked.rows,
            "logits_shape": shape, "stamp": stamp(checked.kind, arg)}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"nbutils": json.dumps(meta).encode()})
    target = paths.run_dir(run_name) / FILE
    part = target.with_suffix(".parquet.part")
    pq.write_table(table, part)
    part.replace(target)
    return target


def load(run_name: str, map_source: str, arg: str) -> SourceTable | None:
    """The run's checked source when it is of this map_source and its files are unchanged since; None otherwise."""
    path = paths.outputs_root() / paths.check_run_name(run_name) / FILE
    if not path.exists():
        return None
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[b"nbutils"])
    if meta["map_source"] != map_source or meta["stamp"] != stamp(meta["kind"], arg):
        return None
    logits = None
    if meta["logits_shape"]:
        column = table.column("logits").combine_chunks()
        logits = column.flatten().to_numpy().reshape(len(table), *meta["logits_shape"])
        table = table.drop_columns(["logits"])
    return SourceTable(meta["kind"], meta["source"], table.to_pandas(), meta["rows"], logits)
