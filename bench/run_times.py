"""Seconds per notebook and per retraining arm of finished runs, read from their manifest.json and retrain_summary.json."""
from __future__ import annotations

import json
from pathlib import Path


def run_times(run: Path) -> dict[str, float]:
    """{'01_load_data': s, ..., 'arm selected': s, ...} for one run folder (arms: notebook 04's share, per arm)."""
    manifest = json.loads((run / "manifest.json").read_text())
    times = {name: float(e.get("seconds", 0.0)) for name, e in manifest["notebooks"].items()}
    summary = run / "retrain_summary.json"
    if summary.exists():
        for arm, s in json.loads(summary.read_text()).get("arms", {}).items():
            if "seconds" in s:
                times[f"  arm {arm}"] = float(s["seconds"])
    return times


def print_table(columns: dict[str, dict[str, float]], goal_s: float | None = None) -> None:
    """One row per notebook (and arm), one column per run, and a total row with the goal."""
    names = list(dict.fromkeys(k for c in columns.values() for k in c))
    print(f"{'stage':<22}" + "".join(f"{c:>16}" for c in columns))
    for n in names:
        print(f"{n:<22}" + "".join(f"{c.get(n, float('nan')):>16.1f}" for c in columns.values()))
    totals = {c: sum(v for k, v in t.items() if not k.startswith("  ")) for c, t in columns.items()}
    print(f"{'total (pipeline)':<22}" + "".join(f"{t:>16.1f}" for t in totals.values()))
    if goal_s is not None:
        grand = sum(totals.values())
        print(f"all runs: {grand:,.0f} s ({grand / 3600:.2f} h); goal <= {goal_s:,.0f} s: {'met' if grand <= goal_s else 'NOT met'}")
