"""`python -m nbutils data check`: what a file holds and what loading it would drop, before any run."""
from __future__ import annotations

from pathlib import Path

from .errors import WorkbookError
from .labels import LABELS
from .snli import load_pairs


def check_files(paths: list[str]) -> bool:
    """Print a report per file; False if any file is invalid."""
    ok = True
    for p in paths:
        try:
            table, report = load_pairs(p)
        except WorkbookError as err:
            print(f"{p}: INVALID: {err}")
            ok = False
            continue
        print(f"{Path(p).name}: {report.kept:,} pairs kept of {report.rows_read:,} read")
        for reason, n in report.dropped.items():
            print(f"  dropped {n:,}: {reason}")
        counts = table["gold_label"].value_counts()
        print("  labels: " + ", ".join(f"{counts.get(i, 0):,} {name}" for i, name in enumerate(LABELS)))
        if "perturbation" in table.columns:
            print("  perturbations: " + ", ".join(f"{n:,} {k}" for k, n in table["perturbation"].value_counts().items()))
    return ok
