"""`python -m nbutils data check`: what a file holds and what loading it would drop, before any run."""
from __future__ import annotations

from pathlib import Path

from ..errors import WorkbookError
from ..labels import LABELS
from .annotators import has_annotators, histogram_lines
from .pairs import load_pairs


def check_files(paths: list[str], join: str | None = None, columns: dict[str, str] | None = None) -> bool:
    """Print a report per file; False if any file is invalid."""
    ok = True
    join_ids = set(load_pairs(join)[0]["example_id"]) if join else None
    for p in paths:
        try:
            table, report = load_pairs(p, columns=columns)
        except WorkbookError as err:
            print(f"{p}: INVALID: {err}")
            ok = False
            continue
        print(f"{Path(p).name}: {report.kept:,} pairs kept of {report.rows_read:,} read")
        for reason, n in report.dropped.items():
            print(f"  dropped {n:,}: {reason}")
        counts = table["gold_label"].value_counts()
        print("  labels: " + ", ".join(f"{counts.get(i, 0):,} {name}" for i, name in enumerate(LABELS)))
        if has_annotators(table):
            print("\n".join(histogram_lines(table)))
        if "perturbation" in table.columns:
            print("  perturbations: " + ", ".join(f"{n:,} {k}" for k, n in table["perturbation"].value_counts().items()))
        if "original_id" in table.columns:
            ids = table["original_id"].dropna()
            line = f"  original_id: {ids.nunique():,} distinct"
            if join_ids is not None:
                found = ids.isin(join_ids)
                line += f"; {found.sum():,} of {len(ids):,} join to {Path(join).name} ({(~found).sum():,} do not)"
            print(line)
    return ok
