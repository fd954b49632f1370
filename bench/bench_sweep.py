"""Time per stage and per retraining arm of every run of a finished sweep (the README's study: goal <= 3 h on 2 cores).

    python -m nbutils sweep --profile snli-study --seeds 42,7,8      # the study itself
    python bench/bench_sweep.py outputs/snli-study-sweep              # then its timings
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_times import print_table, run_times  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", help="the sweep's folder, e.g. outputs/snli-study-sweep")
    ap.add_argument("--goal-hours", type=float, default=3.0)
    a = ap.parse_args()
    folder = Path(a.sweep)
    record = json.loads((folder / "sweep.json").read_text())
    columns = {f"seed {s}": run_times(folder.parent / e["run"]) for s, e in record["runs"].items() if e["status"] == "ok"}
    device = json.loads((folder.parent / record["runs"][next(iter(record["runs"]))]["run"] / "manifest.json").read_text()).get("device")
    print(f"Sweep {record['sweep']} (profile {record['profile']}) on {device}")
    print_table(columns, a.goal_hours * 3600)


if __name__ == "__main__":
    main()
